using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Spectre.Console;
using Tessera.Coordinator;
using Tessera.Coordinator.Telemetry;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench ingest`: how fast a coordinator takes in model updates over loopback HTTP, and how many
/// idle long-polls it holds. Uploaders are raw protocol clients (no training), so the figure is the
/// coordinator's: receive, validate, fold into the running sum, plus each round's close (merge, server step,
/// checkpoint). The clients share this process and its cores, or with --clients-process run in a child process
/// (<see cref="IngestClients"/>).
/// </summary>
internal static class IngestBench
{
    public static Command Create()
    {
        var workers = new Option<int>("--workers") { Description = "concurrent uploading workers (one round = one update from each)", DefaultValueFactory = _ => 16 };
        var rounds = new Option<int>("--rounds") { Description = "rounds to measure", DefaultValueFactory = _ => 8 };
        var model = new Option<string>("--model") { Description = "zoo model whose update size is sent (cnn: 1,663,370 floats)", DefaultValueFactory = _ => "cnn" };
        var idle = new Option<int>("--idle") { Description = "idle long-poll connections to open afterwards (0 skips)", DefaultValueFactory = _ => 2000 };
        var codecs = new Option<string[]>("--codecs") { Description = "upload codecs to measure, one job each: f32, fp16, bf16, int8, topk", DefaultValueFactory = _ => ["f32", "fp16", "bf16", "int8", "topk"], AllowMultipleArgumentsPerToken = true };
        var fraction = new Option<double>("--fraction") { Description = "top-k: share of each tensor sent", DefaultValueFactory = _ => 0.01 };
        var childClients = new Option<bool>("--clients-process") { Description = "run the uploading clients in a separate process" };
        var cmd = new Command("ingest", "Coordinator ingest per upload codec: updates/s and MB/s of concurrent uploads (aggregation time split out), and idle long-polls held")
        {
            workers, rounds, model, idle, codecs, fraction, childClients,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int n = pr.GetValue(workers), r = pr.GetValue(rounds), k = pr.GetValue(idle);
            CliOptions.Require(n is >= 1 and <= 1024, "--workers", "must be 1..1024");
            CliOptions.Require(r >= 1, "--rounds", "must be at least 1");
            CliOptions.Require(k >= 0, "--idle", "must be 0 or more");
            var list = pr.GetValue(codecs)!.SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(c => c.ToLowerInvariant()).Distinct().ToList();
            CliOptions.Require(list.Count > 0 && list.All(UploadEncoding.Codecs.Contains), "--codecs", $"must be some of {string.Join(", ", UploadEncoding.Codecs)}");
            double f = pr.GetValue(fraction);
            CliOptions.Require(f is > 0 and <= 1, "--fraction", "must be in (0, 1]");
            return RunAsync(n, r, pr.GetValue(model)!, k, list, f, pr.GetValue(childClients)).GetAwaiter().GetResult();
        }));
        return cmd;
    }

    static async Task<int> RunAsync(int workers, int rounds, string model, int idle, IReadOnlyList<string> codecs, double fraction, bool childClients)
    {
        var dataDir = Directory.CreateTempSubdirectory("tessera-bench-").FullName;
        var host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = dataDir, AdminKey = "bench", PoolToken = IngestClients.PoolToken, Port = 0, Quiet = true,
            WorkerRequestsPerSecond = 1_000_000, SelectionWindow = TimeSpan.FromMilliseconds(100), MaxLongPoll = TimeSpan.FromSeconds(120),
        });
        await host.StartAsync();
        var fold = new Sum();
        var close = new Sum();
        using var listener = Listen(fold, close);
        using var http = IngestClients.Http(host.BaseUrl);
        try
        {
            var sessions = await IngestClients.JoinMany(http, workers);
            var table = new Table().AddColumn("figure");
            var rows = new List<(string Figure, List<string> Values)>();
            void Row(string figure, string value)
            {
                if (rows.FirstOrDefault(r => r.Figure == figure) is { Figure: not null } row) row.Values.Add(value);
                else rows.Add((figure, [value]));
            }
            foreach (var codec in codecs)
            {
                table.AddColumn(codec);
                fold.Reset();
                close.Reset();
                await MeasureCodec(host, http, sessions, workers, rounds, model, codec, fraction, childClients, fold, close, Row);
            }
            foreach (var (figure, values) in rows) table.AddRow([figure, .. values]);
            if (idle > 0) await IdlePolls(http, host, idle, table);
            AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} logical cores; {(childClients ? "clients in a separate process" : "client and coordinator in one process")}[/]");
            AnsiConsole.Write(table);
            return 0;
        }
        finally
        {
            await host.StopAsync();
            await host.DisposeAsync();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }
    }

    /// <summary>One job in this codec: every worker uploads once per round for the given rounds; the figures go in one column.</summary>
    static async Task MeasureCodec(CoordinatorHost host, HttpClient http, List<string> sessions, int workers, int rounds, string model, string codec,
        double fraction, bool childClients, Sum fold, Sum close, Action<string, string> row)
    {
        // The job starts once every uploader is joined; evaluation is pushed past the measured rounds.
        string upload = codec == "topk" ? $"{{ codec: topk, fraction: {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)} }}" : $"{{ codec: {codec} }}";
        var job = host.Jobs.Create($"""
            name: ingest-bench-{codec}
            model: {model}
            rounds: {rounds + 1}
            eval_every: 1000000
            clients_per_round: {workers}
            min_clients: {workers}
            data: {"{"} clients: {workers}, train_samples: {Math.Max(workers * 50, 1000)} {"}"}
            local: {"{"} batch_size: 50 {"}"}
            upload: {upload}
            verification: {"{"} replay: off {"}"}
            """);
        var template = job.Setup.Template;
        var encoding = job.Setup.Spec.Upload.ForTask();
        // Update values spread like a real delta's, so top-k and int8 have something to choose and scale.
        var random = new Random(1);
        var encoder = new Tessera.Worker.UpdateEncoder();
        var tensors = template.Tensors.SelectMany(t => encoder.Encode(job.Id, encoding, t.Name, t.Shape,
            Enumerable.Range(0, t.Values.Length).Select(_ => (float)(random.NextDouble() - 0.5) * 1e-3f).ToArray())).ToList();
        long floats = template.Count;
        AnsiConsole.MarkupLine($"[bold]ingest {codec}[/]: {workers} workers x {rounds} rounds, {model} updates of {floats:N0} floats ({floats * 4 / 1e6:F2} MB as F32) over loopback");

        var coordinatorCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var t = childClients
            ? await IngestClients.UploadFromChild(host.BaseUrl, sessions, rounds, tensors)
            : await IngestClients.Upload(http, sessions, rounds, tensors);
        // The last measured round closes on its final upload; wait for its checkpoint so close time is complete.
        while (await job.Version() < rounds) await Task.Delay(5);
        long end = Stopwatch.GetTimestamp();
        // From the first task handed out to the last round's checkpoint: the job's start-up wait is not ingest.
        double seconds = Stopwatch.GetElapsedTime(t.Received.Min(w => w[0]), end).TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - coordinatorCpu).TotalSeconds;
        // Cancelled, so the next codec's job (and the idle pollers) get every worker.
        await job.SetStatus(Tessera.Coordinator.Jobs.JobStatus.Cancelled);
        (long bytes, int uploads) = (t.Bytes, t.Uploads);

        row("updates accepted", uploads.ToString("N0"));
        row("bytes per update (share of F32)", $"{bytes / Math.Max(1, uploads):N0} ({(double)bytes / Math.Max(1, uploads) / (floats * 4):P1})");
        row("updates/s", (uploads / seconds).ToString("F1"));
        row("MB/s received (wire)", (bytes / 1e6 / seconds).ToString("F1"));
        row("fold per update (ms, mean)", (fold.Total / Math.Max(1, fold.Count)).ToString("F2"));
        row("round close: merge + server step (ms, mean)", (close.Total / Math.Max(1, close.Count)).ToString("F1"));
        row("wall seconds", seconds.ToString("F2"));
        // Cores busy: CPU seconds over the wall time, the coordinator's and the clients' apart when they are two processes.
        row("cores busy: coordinator / clients", childClients ? $"{cpu / seconds:F2} / {t.CpuSeconds / seconds:F2}" : $"{cpu / seconds:F2} together");
        // Round turnaround: the round's last upload answered → the next round's first task in a worker's hands.
        var turnarounds = Enumerable.Range(0, rounds - 1).Select(i =>
            Stopwatch.GetElapsedTime(t.Answered.Max(w => w[i]), t.Received.Min(w => w[i + 1])).TotalSeconds).Order().ToList();
        row("round turnaround (ms, median / max)", turnarounds.Count == 0 ? "-"
            : $"{Reports.Quantiles.Of(turnarounds, 0.5) * 1000:F0} / {turnarounds[^1] * 1000:F0}");
    }

    /// <summary>Opens idle long-polls (each its own session and connection) and counts how many the coordinator holds at once.</summary>
    static async Task IdlePolls(HttpClient http, CoordinatorHost host, int count, Table table)
    {
        var sessions = await IngestClients.JoinMany(http, count);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        using var cancel = new CancellationTokenSource();
        var polls = sessions.Select(s => Task.Run(async () =>
        {
            try
            {
                using var req = IngestClients.Authorized(HttpMethod.Get, "/api/v1/tasks/next?wait=120", s);
                using var res = await http.SendAsync(req, cancel.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException) { }
        })).ToList();
        var watch = Stopwatch.StartNew();
        int held = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            held = host.Workers.All.Count(w => w.IsPolling);
            if (held >= count) break;
            await Task.Delay(100);
        }
        double openSeconds = watch.Elapsed.TotalSeconds;
        long after = GC.GetTotalMemory(forceFullCollection: true);
        AddRow(table, "idle long-polls requested", count.ToString("N0"));
        AddRow(table, "idle long-polls held", held.ToString("N0"));
        AddRow(table, "seconds to open them", openSeconds.ToString("F1"));
        AddRow(table, "managed heap per idle poll (KB, client+server)", ((after - before) / 1024.0 / Math.Max(1, held)).ToString("F1"));
        cancel.Cancel();
        await Task.WhenAll(polls);
    }

    static void AddRow(Table table, string figure, string value) =>
        table.AddRow([figure, value, .. Enumerable.Repeat("", table.Columns.Count - 2)]);

    sealed class Sum
    {
        double _total;
        int _count;
        readonly Lock _gate = new();
        public double Total { get { lock (_gate) return _total; } }
        public int Count { get { lock (_gate) return _count; } }
        public void Add(double v) { lock (_gate) { _total += v; _count++; } }
        public void Reset() { lock (_gate) { _total = 0; _count = 0; } }
    }

    static MeterListener Listen(Sum fold, Sum close)
    {
        var l = new MeterListener
        {
            InstrumentPublished = (i, listener) =>
            {
                if (i.Meter.Name == CoordinatorMetrics.MeterName && i.Name is "tessera.update.fold" or "tessera.round.aggregation")
                    listener.EnableMeasurementEvents(i);
            },
        };
        l.SetMeasurementEventCallback<double>((i, v, _, _) => (i.Name == "tessera.update.fold" ? fold : close).Add(v));
        l.Start();
        return l;
    }
}
