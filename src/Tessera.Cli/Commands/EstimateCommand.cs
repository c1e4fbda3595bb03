using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Spectre.Console;
using Tessera.Coordinator.Api;
using Tessera.Federation.Planning;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera estimate job.yaml`: what a job will cost (FLOPs of training, evaluation and verification; credits) and how
/// long it will take (p50/p90), before it runs: on a coordinator's live pool with --server, else on a stated --fleet.
/// </summary>
internal static class EstimateCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "job spec (YAML or JSON)" };
        var server = new Option<string?>("--server") { Description = "coordinator URL: estimate on its live pool (measured speeds, availability)" };
        var adminKey = new Option<string?>("--admin-key") { Description = "the coordinator's admin key (with --server); default: $TESSERA_ADMIN_KEY" };
        var fleet = new Option<string?>("--fleet") { Description = "the pool without a server: COUNTxSAMPLES_PER_SECOND, comma-separated, e.g. 4x200 or 4x200,2x50" };
        var availability = new Option<double>("--availability") { Description = "share of the time each fleet worker is live, in (0, 1]", DefaultValueFactory = _ => 1.0 };
        var localSamples = new Option<int?>("--local-samples") { Description = "samples each fleet worker holds, for jobs whose data stays on the workers" };
        var json = new Option<bool>("--json") { Description = "print the estimate as JSON" };
        var cmd = new Command("estimate", "Cost (FLOPs, credits) and time (p50/p90) of a job before it runs")
        {
            job, server, adminKey, fleet, availability, localSamples, json,
        };
        cmd.SetAction(pr => Guarded.Run(() => Run(pr.GetValue(job)!, pr.GetValue(server), pr.GetValue(adminKey) ?? Environment.GetEnvironmentVariable("TESSERA_ADMIN_KEY"),
            pr.GetValue(fleet), pr.GetValue(availability), pr.GetValue(localSamples), pr.GetValue(json))));
        return cmd;
    }

    static int Run(string jobPath, string? server, string? adminKey, string? fleetText, double availability, int? localSamples, bool json)
    {
        CliOptions.Require(availability is > 0 and <= 1, "--availability", "must be in (0, 1]");
        CliOptions.Require(localSamples is null or > 0, "--local-samples", "must be positive");
        CliOptions.Require(server is null || fleetText is null, "--fleet", "give either --server (its live pool) or --fleet, not both");
        if (!File.Exists(jobPath)) throw new CliUsageException($"job: no file {jobPath}");
        var spec = JobSpecParser.Load(jobPath, []);
        string basis;
        JobEstimate estimate;
        if (server is not null)
        {
            CliOptions.Require(!string.IsNullOrEmpty(adminKey), "--admin-key", "required with --server (or set TESSERA_ADMIN_KEY)");
            var answer = FromServer(server, adminKey!, spec, jobPath);
            (basis, estimate) = (answer.Basis, answer.Estimate);
        }
        else
        {
            var fleet = Fleet(fleetText, availability, localSamples);
            CliOptions.Require(!spec.Data.OnWorkers || fleet.Count == 0 || localSamples is not null, "--local-samples",
                "the job's data stays on the workers: say how many samples each worker holds");
            estimate = Estimator.Estimate(LocalEstimate.Inputs(spec, jobPath, fleet));
            if (fleet.Count == 0) estimate = estimate with { Stalled = "no pool: give --fleet COUNTxSAMPLES_PER_SECOND or --server URL" };
            basis = fleet.Count == 0 ? "no pool given (--fleet or --server): cost only"
                : $"fleet {fleetText} samples/s, availability {availability.ToString("0.##", CultureInfo.InvariantCulture)}";
        }
        if (json) Console.WriteLine(JsonSerializer.Serialize(new EstimateResponse(spec.Name, basis, estimate), WireJson.Options));
        else Print(spec, basis, estimate);
        return 0;
    }

    /// <summary>--fleet COUNTxSPEED[,COUNTxSPEED...] as workers.</summary>
    internal static List<EstimatedWorker> Fleet(string? text, double availability, int? localSamples)
    {
        var fleet = new List<EstimatedWorker>();
        if (string.IsNullOrWhiteSpace(text)) return fleet;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var bits = part.Split('x');
            if (bits.Length != 2 || !int.TryParse(bits[0], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > 1_000_000
                || !double.TryParse(bits[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double speed) || !(speed > 0) || !double.IsFinite(speed))
                throw new CliUsageException($"--fleet: '{part}' is not COUNTxSAMPLES_PER_SECOND with a positive count and speed, e.g. 4x200");
            fleet.AddRange(Enumerable.Repeat(new EstimatedWorker(speed, availability, localSamples), count));
        }
        return fleet;
    }

    static EstimateResponse FromServer(string server, string adminKey, JobSpec spec, string jobPath)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new CliUsageException($"--server: '{server}' is not an http(s) URL");
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs/estimate") { Content = Body(spec, jobPath) };
        req.Headers.Add("X-Api-Key", adminKey);
        HttpResponseMessage res;
        try { res = http.Send(req); }
        catch (HttpRequestException e) { throw new CliUsageException($"--server: {server} could not be reached ({e.Message})"); }
        using (res)
        {
            var text = res.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!res.IsSuccessStatusCode)
            {
                string why = text;
                try { why = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString() ?? text; } catch (JsonException) { }
                throw new CliUsageException(res.StatusCode == System.Net.HttpStatusCode.Unauthorized ? $"--admin-key: {why}" : why);
            }
            return JsonSerializer.Deserialize<EstimateResponse>(text, WireJson.Options) ?? throw new CliUsageException($"--server: {server} answered no estimate");
        }
    }

    /// <summary>The spec as job creation takes it: plain text, or multipart with the ONNX file its model.onnx names.</summary>
    static HttpContent Body(JobSpec spec, string jobPath)
    {
        var text = File.ReadAllText(jobPath);
        if (spec.Model is not { Onnx: { } onnx, Sha256: null }) return new StringContent(text);
        var path = Tessera.Simulation.SpecFiles.Resolve(Path.GetDirectoryName(Path.GetFullPath(jobPath))!, onnx);
        if (!File.Exists(path)) throw new JobSpecException("model.onnx", $"no file {path}");
        var model = new ByteArrayContent(File.ReadAllBytes(path));
        model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { new StringContent(text), "spec" }, { model, onnx, Path.GetFileName(path) } };
    }

    static void Print(JobSpec spec, string basis, JobEstimate e)
    {
        var table = new Table().AddColumns("", "estimate").HideHeaders();
        table.AddRow("rounds", $"{e.Rounds:N0} × {e.TasksPerRound:N0} tasks of {e.StepsPerTask.ToString("0.#", CultureInfo.InvariantCulture)} steps (batch {spec.Local.BatchSize})");
        table.AddRow("training samples", e.TrainingSamples.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("training", Flops(e.TrainingFlops));
        table.AddRow("evaluation", Flops(e.EvaluationFlops));
        table.AddRow("verification", $"{Flops(e.VerificationFlops)} ({e.AuditShare.ToString("P0", CultureInfo.InvariantCulture)} of tasks replayed)");
        table.AddRow("total", Flops(e.TotalFlops));
        table.AddRow("credits", $"{e.Credits.ToString("N2", CultureInfo.InvariantCulture)} (GFLOP of assigned training)");
        table.AddRow("ETA p50 / p90", e.EtaP50Seconds is { } p50 ? $"{Duration(p50)} / {Duration(e.EtaP90Seconds!.Value)} on {e.Workers} workers" : Markup.Escape($"none: {e.Stalled}"));
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(spec.Name)}[/]: {Markup.Escape(basis)}");
        AnsiConsole.Write(table);
    }

    static string Flops(double f) =>
        f == 0 ? "0 FLOP" : string.Create(CultureInfo.InvariantCulture, $"{f / 1e9:N1} GFLOP ({f:0.###e+0} FLOP)");

    static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalMinutes < 1 ? $"{seconds.ToString("0.#", CultureInfo.InvariantCulture)} s"
            : t.TotalHours < 1 ? $"{t.Minutes}m {t.Seconds:00}s" : $"{(int)t.TotalHours}h {t.Minutes:00}m";
    }
}
