using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Spectre.Console;
using Tessera.Protocol.Wire;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench longpoll`: holds N idle long-polls (one session and one connection each) against a coordinator
/// running in another process, so the figures are the server's alone: connections held, its RSS and CPU while
/// idle (read from /proc with --server-pid), and how long it takes to hand a new job's task to one of them.
/// </summary>
internal static class LongPollBench
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "coordinator URL, e.g. http://127.0.0.1:5080", Required = true };
        var workers = new Option<int>("--workers") { Description = "idle workers, each with its own session and connection", DefaultValueFactory = _ => 10_000 };
        var pool = new Option<string?>("--pool-token") { Description = "the coordinator's pool token; default: $TESSERA_POOL_TOKEN" };
        var admin = new Option<string?>("--admin-key") { Description = "admin key; with it, jobs are created to time the hand-off of a task to an idle worker; default: $TESSERA_ADMIN_KEY" };
        var pid = new Option<int?>("--server-pid") { Description = "the coordinator's process id, to read its RSS and CPU time from /proc" };
        var idle = new Option<double>("--idle-seconds") { Description = "how long to measure the server's CPU while every poll is held", DefaultValueFactory = _ => 20 };
        var handoffs = new Option<int>("--handoffs") { Description = "jobs created one after another to time task hand-off (needs --admin-key)", DefaultValueFactory = _ => 3 };
        var cmd = new Command("longpoll", "Idle long-polls held by a coordinator in another process: connections, server RSS and idle CPU, task hand-off latency")
        {
            server, workers, pool, admin, pid, idle, handoffs,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int n = pr.GetValue(workers);
            CliOptions.Require(Uri.TryCreate(pr.GetValue(server), UriKind.Absolute, out var url) && url.Scheme is "http" or "https", "--server", "must be an http(s) URL");
            CliOptions.Require(n is >= 1 and <= 1_000_000, "--workers", "must be 1..1,000,000");
            var token = pr.GetValue(pool) ?? Environment.GetEnvironmentVariable("TESSERA_POOL_TOKEN");
            CliOptions.Require(!string.IsNullOrEmpty(token), "--pool-token", "is required (or set TESSERA_POOL_TOKEN)");
            double seconds = pr.GetValue(idle);
            CliOptions.Require(seconds is > 0 and <= 3600, "--idle-seconds", "must be in (0, 3600]");
            int jobs = pr.GetValue(handoffs);
            CliOptions.Require(jobs is >= 0 and <= 100, "--handoffs", "must be 0..100");
            var serverPid = pr.GetValue(pid);
            CliOptions.Require(serverPid is null || File.Exists($"/proc/{serverPid}/stat"), "--server-pid", $"no process {serverPid} under /proc");
            // Each poll is one socket here; the runtime raises the soft descriptor limit to the hard one at start-up,
            // so what is left is a limit only the administrator can lift.
            long fds = ProcessStats.OpenFileLimit();
            CliOptions.Require(fds <= 0 || n + 200 <= fds, "--workers", $"{n} connections need more than this process's open-file limit of {fds} (raise the hard limit: ulimit -Hn)");
            var key = pr.GetValue(admin) ?? Environment.GetEnvironmentVariable("TESSERA_ADMIN_KEY");
            return RunAsync(url!, n, token!, key, serverPid, seconds, key is null ? 0 : jobs).GetAwaiter().GetResult();
        }));
        return cmd;
    }

    static async Task<int> RunAsync(Uri url, int count, string poolToken, string? adminKey, int? serverPid, double idleSeconds, int handoffs)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10), ConnectTimeout = TimeSpan.FromSeconds(60),
        }) { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        var table = new Table().AddColumns("figure", "value");
        var before = serverPid is { } p0 ? ProcessStats.Read(p0) : null;

        var watch = Stopwatch.StartNew();
        var sessions = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var res = await http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = poolToken, Name = $"idle-{i}" }, WireJson.Options, ct);
            if (!res.IsSuccessStatusCode) throw new CliUsageException($"--pool-token: join refused with {(int)res.StatusCode} {await res.Content.ReadAsStringAsync(ct)}");
            sessions[i] = (await res.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options, ct))!.SessionToken;
        });
        table.AddRow("workers joined", $"{count:N0} in {watch.Elapsed.TotalSeconds:F1} s");

        using var stop = new CancellationTokenSource();
        var handed = Channel();
        int errors = 0;
        watch.Restart();
        var polls = sessions.Select(s => Task.Run(() => Poll(http, s, handed, () => Interlocked.Increment(ref errors), stop.Token))).ToList();
        int held = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(180))
        {
            held = await ServerPolling(http);
            if (held >= count) break;
            await Task.Delay(500);
        }
        table.AddRow("long-polls held by the server", $"{held:N0} of {count:N0} ({watch.Elapsed.TotalSeconds:F1} s to open)");

        // Idle: every poll held, nothing to hand out; polls re-issue when the server's maximum wait ends.
        var idleStart = serverPid is { } p1 ? ProcessStats.Read(p1) : null;
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        var idleEnd = serverPid is { } p2 ? ProcessStats.Read(p2) : null;
        table.AddRow("held after the idle window", (await ServerPolling(http)).ToString("N0"));
        if (before is not null && idleStart is not null && idleEnd is not null)
        {
            table.AddRow("server RSS before joins", $"{before.RssBytes / 1e6:F0} MB");
            table.AddRow("server RSS while holding them", $"{idleEnd.RssBytes / 1e6:F0} MB ({(idleEnd.RssBytes - before.RssBytes) / 1024.0 / Math.Max(1, held):F1} KB per held poll)");
            table.AddRow($"server CPU while idle ({idleSeconds:F0} s window)", $"{100 * (idleEnd.CpuSeconds - idleStart.CpuSeconds) / idleSeconds:F1} % of one core");
            table.AddRow("server threads / open fds", $"{idleEnd.Threads} / {idleEnd.OpenFds:N0}");
        }
        table.AddRow("bench client RSS (this process)", $"{Environment.WorkingSet / 1e6:F0} MB");

        var latencies = new List<(double FromCreate, double FromCreated)>();
        using var admin = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
        if (adminKey is not null) admin.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        for (int i = 0; i < handoffs; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            using var res = await admin.PostAsync("/api/v1/jobs", new StringContent($$"""
                name: handoff-{{i}}
                model: logreg
                rounds: 1
                seed: {{i + 1}}
                clients_per_round: 1
                data: { clients: 10, train_samples: 1000, test_samples: 100 }
                """));
            var t1 = Stopwatch.GetTimestamp();
            if (!res.IsSuccessStatusCode) throw new CliUsageException($"--admin-key: creating a job was refused with {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
            var jobId = System.Text.Json.JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
            var t2 = await handed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(120));
            latencies.Add((Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds, Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds));
            using var _ = await admin.PostAsync($"/api/v1/jobs/{jobId}/cancel", null);
        }
        if (latencies.Count > 0)
        {
            table.AddRow("task hand-off: job POSTed -> task received (ms, each)", string.Join(", ", latencies.Select(l => l.FromCreate.ToString("F0", CultureInfo.InvariantCulture))));
            table.AddRow("task hand-off: job created -> task received (ms, each)", string.Join(", ", latencies.Select(l => l.FromCreated.ToString("F0", CultureInfo.InvariantCulture))));
        }
        if (latencies.Count > 0 && serverPid is { } p3 && ProcessStats.Read(p3) is { } afterStart)
        {
            // The registry still ticks the finished jobs; this shows what they cost with every worker idle.
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
            if (ProcessStats.Read(p3) is { } afterEnd)
            {
                table.AddRow($"server CPU while idle after those {latencies.Count} jobs ({idleSeconds:F0} s)", $"{100 * (afterEnd.CpuSeconds - afterStart.CpuSeconds) / idleSeconds:F1} % of one core");
                table.AddRow("server RSS then (MNIST loaded for the jobs)", $"{afterEnd.RssBytes / 1e6:F0} MB");
            }
            table.AddRow("long-polls held then", (await ServerPolling(http)).ToString("N0"));
        }
        table.AddRow("client-side poll errors", errors.ToString("N0"));
        AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} logical cores; server at {url}, bench client in this process (pid {Environment.ProcessId})[/]");
        AnsiConsole.Write(table);
        stop.Cancel();
        try { await Task.WhenAll(polls).WaitAsync(TimeSpan.FromSeconds(30)); } catch (TimeoutException) { }
        return 0;
    }

    static System.Threading.Channels.Channel<long> Channel() => System.Threading.Channels.Channel.CreateUnbounded<long>();

    /// <summary>One idle worker: polls until it is handed a task (then reports when, and stops), re-polling on 204.</summary>
    static async Task Poll(HttpClient http, string session, System.Threading.Channels.Channel<long> handed, Action error, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var req = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tasks/next?wait=600");
                req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
                using var res = await http.SendAsync(req, ct);
                // Polling again would be handed the same task again; a real worker would train it. This one stops, and
                // each job has its own seed, so the next job's selection is unlikely to pick a worker that stopped.
                if (res.StatusCode == HttpStatusCode.OK)
                {
                    handed.Writer.TryWrite(Stopwatch.GetTimestamp());
                    return;
                }
                if (res.StatusCode != HttpStatusCode.NoContent) { error(); await Task.Delay(1000, ct); }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                error();
                try { await Task.Delay(1000, ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>The coordinator's own count of open long-polls (its `tessera.workers.polling` gauge at /metrics).</summary>
    static async Task<int> ServerPolling(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
            if (line.StartsWith("tessera_workers_polling", StringComparison.Ordinal) && line.Split(' ') is { Length: >= 2 } parts
                && double.TryParse(parts[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                return (int)v;
        return 0;
    }
}
