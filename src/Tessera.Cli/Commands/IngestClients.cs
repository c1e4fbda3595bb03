using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Cli.Commands;

/// <summary>
/// The uploading side of `bench ingest`: raw protocol clients (no training) that each take a task and upload one
/// prepared update per round. They run in the bench's own process, or with `--clients-process` in a child process
/// (`bench ingest-clients`, hidden), so the coordinator's figures are not shared with its clients' work.
/// </summary>
internal static class IngestClients
{
    /// <summary>
    /// Per worker and round, when its task arrived and when its upload was answered, as <see cref="Stopwatch"/>
    /// timestamps (the system's monotonic clock, the same in every process of the machine); what was sent; and the
    /// clients' CPU seconds.
    /// </summary>
    public sealed record Timings(long[][] Received, long[][] Answered, long Bytes, int Uploads, double CpuSeconds);

    public const string PoolToken = "bench-pool";

    public static HttpClient Http(string baseUrl) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5),
        };

    /// <summary>Every session takes a task and uploads <paramref name="tensors"/> for it, <paramref name="rounds"/> times.</summary>
    public static async Task<Timings> Upload(HttpClient http, IReadOnlyList<string> sessions, int rounds, IReadOnlyList<NamedTensor> tensors)
    {
        long bytes = 0;
        int uploads = 0;
        var received = sessions.Select(_ => new long[rounds]).ToArray();
        var answered = sessions.Select(_ => new long[rounds]).ToArray();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.WhenAll(sessions.Select(async (s, w) =>
        {
            // One body buffer per client, reused: a fresh 6.65 MB array per upload (and a MemoryStream's growth) cost the
            // clients more CPU than their sockets, on the cores the coordinator is being measured on.
            using var encoded = new MemoryStream();
            for (int i = 0; i < rounds; i++)
            {
                var task = await Next(http, s);
                received[w][i] = Stopwatch.GetTimestamp();
                var env = new UpdateEnvelope
                {
                    TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = 50, Steps = 1, LossTrace = [1f], Commitment = new string('0', 64),
                };
                encoded.SetLength(0);
                new SafetensorsFile(tensors, Tessera.Worker.UpdateEncoder.WithEncoding(env.ToMetadata(), task.Upload)).Write(encoded);
                using var req = Authorized(HttpMethod.Post, task.ResultUrl, s);
                req.Content = new ByteArrayContent(encoded.GetBuffer(), 0, (int)encoded.Length);
                using var res = await http.SendAsync(req);
                if (!res.IsSuccessStatusCode) throw new InvalidOperationException($"upload refused: {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
                answered[w][i] = Stopwatch.GetTimestamp();
                Interlocked.Add(ref bytes, encoded.Length);
                Interlocked.Increment(ref uploads);
            }
        }));
        return new Timings(received, answered, bytes, uploads, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Runs the sessions' clients in a child process against <paramref name="baseUrl"/>; the sessions and the update travel in files.</summary>
    public static async Task<Timings> UploadFromChild(string baseUrl, IReadOnlyList<string> sessions, int rounds, IReadOnlyList<NamedTensor> tensors)
    {
        var dir = Directory.CreateTempSubdirectory("tessera-ingest-").FullName;
        try
        {
            string update = Path.Combine(dir, "update.safetensors"), timings = Path.Combine(dir, "timings.json"), tokens = Path.Combine(dir, "sessions.txt");
            await File.WriteAllBytesAsync(update, new SafetensorsFile(tensors).ToBytes());
            await File.WriteAllLinesAsync(tokens, sessions);
            var exe = Environment.ProcessPath ?? throw new InvalidOperationException("this process's executable is unknown");
            var psi = new ProcessStartInfo(exe) { UseShellExecute = false };
            // Run as `dotnet tessera.dll`, the child needs the assembly; as the apphost, it does not.
            if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(typeof(IngestClients).Assembly.Location);
            foreach (var a in new[] { "bench", "ingest-clients", "--url", baseUrl, "--sessions", tokens, "--rounds", $"{rounds}", "--update", update, "--out", timings })
                psi.ArgumentList.Add(a);
            using var child = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
            await child.WaitForExitAsync();
            if (child.ExitCode != 0) throw new InvalidOperationException($"the client process exited with {child.ExitCode}");
            return JsonSerializer.Deserialize<Timings>(await File.ReadAllTextAsync(timings))!;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>`bench ingest-clients`: the child side of <see cref="UploadFromChild"/>.</summary>
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "the coordinator", Required = true };
        var sessionFile = new Option<string>("--sessions") { Description = "the workers' session tokens, one a line", Required = true };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 8 };
        var update = new Option<string>("--update") { Description = "safetensors file of the update to send", Required = true };
        var output = new Option<string>("--out") { Description = "where the timings go (JSON)", Required = true };
        var cmd = new Command("ingest-clients", "The uploading clients of `bench ingest --clients-process`") { url, sessionFile, rounds, update, output };
        cmd.Hidden = true;
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            var tensors = SafetensorsFile.Read(File.ReadAllBytes(pr.GetValue(update)!)).Tensors;
            using var http = Http(pr.GetValue(url)!);
            var sessions = File.ReadAllLines(pr.GetValue(sessionFile)!).Where(l => l.Length > 0).ToList();
            var t = Upload(http, sessions, pr.GetValue(rounds), tensors).GetAwaiter().GetResult();
            File.WriteAllText(pr.GetValue(output)!, JsonSerializer.Serialize(t));
            return 0;
        }));
        return cmd;
    }

    public static async Task<List<string>> JoinMany(HttpClient http, int count)
    {
        var sessions = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (_, _) => sessions.Add(await Join(http)));
        return sessions.ToList();
    }

    static async Task<string> Join(HttpClient http)
    {
        using var res = await http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = PoolToken }, WireJson.Options);
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

    public static HttpRequestMessage Authorized(HttpMethod method, string url, string session)
    {
        var req = new HttpRequestMessage(method, url);
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        return req;
    }
}
