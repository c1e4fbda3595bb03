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
/// checkpoint). Client and server share this process and its cores.
/// </summary>
internal static class IngestBench
{
    public static Command Create()
    {
        var workers = new Option<int>("--workers") { Description = "concurrent uploading workers (one round = one update from each)", DefaultValueFactory = _ => 16 };
        var rounds = new Option<int>("--rounds") { Description = "rounds to measure", DefaultValueFactory = _ => 8 };
        var model = new Option<string>("--model") { Description = "zoo model whose update size is sent (cnn: 1,663,370 floats)", DefaultValueFactory = _ => "cnn" };
        var idle = new Option<int>("--idle") { Description = "idle long-poll connections to open afterwards (0 skips)", DefaultValueFactory = _ => 2000 };
        var cmd = new Command("ingest", "Coordinator ingest: updates/s and MB/s of concurrent uploads (aggregation time split out), and idle long-polls held")
        {
            workers, rounds, model, idle,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int n = pr.GetValue(workers), r = pr.GetValue(rounds), k = pr.GetValue(idle);
            CliOptions.Require(n is >= 1 and <= 1024, "--workers", "must be 1..1024");
            CliOptions.Require(r >= 1, "--rounds", "must be at least 1");
            CliOptions.Require(k >= 0, "--idle", "must be 0 or more");
            return RunAsync(n, r, pr.GetValue(model)!, k).GetAwaiter().GetResult();
        }));
        return cmd;
    }

    static async Task<int> RunAsync(int workers, int rounds, string model, int idle)
    {
        var dataDir = Directory.CreateTempSubdirectory("tessera-bench-").FullName;
        var host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = dataDir, AdminKey = "bench", PoolToken = "bench-pool", Port = 0, Quiet = true,
            WorkerRequestsPerSecond = 1_000_000, SelectionWindow = TimeSpan.FromMilliseconds(100), MaxLongPoll = TimeSpan.FromSeconds(120),
        });
        await host.StartAsync();
        var fold = new Sum();
        var close = new Sum();
        using var listener = Listen(fold, close);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromMinutes(5),
        };
        try
        {
            var sessions = await JoinMany(http, workers);
            // The job starts once every uploader is joined; evaluation is pushed past the measured rounds.
            var job = host.Jobs.Create($"""
                name: ingest-bench
                model: {model}
                rounds: {rounds + 1}
                eval_every: 1000000
                clients_per_round: {workers}
                min_clients: {workers}
                data: {"{"} clients: {workers}, train_samples: {Math.Max(workers * 50, 1000)} {"}"}
                local: {"{"} batch_size: 50 {"}"}
                """);
            var template = job.Setup.Template;
            var tensors = template.Tensors.Select(t => NamedTensor.FromFloats(t.Name, t.Shape, Enumerable.Repeat(1e-4f, t.Values.Length).ToArray())).ToList();
            long floats = template.Count;
            AnsiConsole.MarkupLine($"[bold]ingest[/]: {workers} workers x {rounds} rounds, {model} updates of {floats:N0} floats ({floats * 4 / 1e6:F2} MB) over loopback");

            long bytes = 0;
            int uploads = 0;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(sessions.Select(async s =>
            {
                for (int i = 0; i < rounds; i++)
                {
                    var task = await Next(http, s);
                    var env = new UpdateEnvelope
                    {
                        TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = 50, Steps = 1, LossTrace = [1f], Commitment = new string('0', 64),
                    };
                    var body = new SafetensorsFile(tensors, env.ToMetadata()).ToBytes();
                    using var req = Authorized(HttpMethod.Post, task.ResultUrl, s);
                    req.Content = new ByteArrayContent(body);
                    using var res = await http.SendAsync(req);
                    if (!res.IsSuccessStatusCode) throw new InvalidOperationException($"upload refused: {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
                    Interlocked.Add(ref bytes, body.Length);
                    Interlocked.Increment(ref uploads);
                }
            }));
            // The last measured round closes on its final upload; wait for its checkpoint so close time is complete.
            while (await job.Version() < rounds) await Task.Delay(20);
            double seconds = watch.Elapsed.TotalSeconds;

            var table = new Table().AddColumns("figure", "value");
            table.AddRow("updates accepted", uploads.ToString("N0"));
            table.AddRow("updates/s", (uploads / seconds).ToString("F1"));
            table.AddRow("MB/s received", (bytes / 1e6 / seconds).ToString("F1"));
            table.AddRow("fold per update (ms, mean)", (fold.Total / Math.Max(1, fold.Count)).ToString("F2"));
            table.AddRow("fold total (% of wall)", (100 * fold.Total / 1000 / seconds).ToString("F1"));
            table.AddRow("round close: merge + server step (ms, mean)", (close.Total / Math.Max(1, close.Count)).ToString("F1"));
            table.AddRow("wall seconds", seconds.ToString("F2"));
            // Cancelled first, so no idle poller is handed a task and the count is of truly idle connections.
            await job.SetStatus(Tessera.Coordinator.Jobs.JobStatus.Cancelled);
            if (idle > 0) await IdlePolls(http, host, idle, table);
            AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} logical cores; client and coordinator in one process[/]");
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

    /// <summary>Opens idle long-polls (each its own session and connection) and counts how many the coordinator holds at once.</summary>
    static async Task IdlePolls(HttpClient http, CoordinatorHost host, int count, Table table)
    {
        var sessions = await JoinMany(http, count);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        using var cancel = new CancellationTokenSource();
        var polls = sessions.Select(s => Task.Run(async () =>
        {
            try
            {
                using var req = Authorized(HttpMethod.Get, "/api/v1/tasks/next?wait=120", s);
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
        table.AddRow("idle long-polls requested", count.ToString("N0"));
        table.AddRow("idle long-polls held", held.ToString("N0"));
        table.AddRow("seconds to open them", openSeconds.ToString("F1"));
        table.AddRow("managed heap per idle poll (KB, client+server)", ((after - before) / 1024.0 / Math.Max(1, held)).ToString("F1"));
        cancel.Cancel();
        await Task.WhenAll(polls);
    }

    static async Task<List<string>> JoinMany(HttpClient http, int count)
    {
        var sessions = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (_, _) => sessions.Add(await Join(http)));
        return sessions.ToList();
    }

    static async Task<string> Join(HttpClient http)
    {
        using var res = await http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = "bench-pool" }, WireJson.Options);
        res.EnsureSuccessStatusCode();
        return (await res.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options))!.SessionToken;
    }

    static async Task<TaskMessage> Next(HttpClient http, string session)
    {
        while (true)
        {
            using var req = Authorized(HttpMethod.Get, "/api/v1/tasks/next?wait=30", session);
            using var res = await http.SendAsync(req);
            if (res.StatusCode == HttpStatusCode.OK) return (await res.Content.ReadFromJsonAsync<TaskMessage>(WireJson.Options))!;
            if (res.StatusCode != HttpStatusCode.NoContent) throw new InvalidOperationException($"poll refused: {(int)res.StatusCode}");
        }
    }

    static HttpRequestMessage Authorized(HttpMethod method, string url, string session)
    {
        var req = new HttpRequestMessage(method, url);
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        return req;
    }

    sealed class Sum
    {
        double _total;
        int _count;
        readonly Lock _gate = new();
        public double Total { get { lock (_gate) return _total; } }
        public int Count { get { lock (_gate) return _count; } }
        public void Add(double v) { lock (_gate) { _total += v; _count++; } }
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
