using System.CommandLine;
using Spectre.Console;
using Tessera.Federation.Planning;
using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Cli.Commands;

/// <summary>`tessera worker`: joins a coordinator and trains its tasks until Ctrl+C.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "coordinator URL", Required = true };
        var token = new Option<string>("--token") { Description = "join token of a job or of the pool", Required = true };
        var name = new Option<string?>("--name") { Description = "contributor name shown in the ledger" };
        var data = new Option<string[]>("--data")
        {
            Description = "a data set on this machine that jobs naming it train on, instead of shards from the coordinator: NAME=PATH[,test=PATH] " +
                          "(a CSV, image folder, .npy/.npz, .safetensors, IDX or text file), or mnist; repeatable; it never leaves this machine",
            AllowMultipleArgumentsPerToken = false,
        };
        var samples = new Option<int>("--data-samples") { Description = "use only N local samples (0 = all)", DefaultValueFactory = _ => 0 };
        var offset = new Option<int>("--data-offset") { Description = "first local sample to use", DefaultValueFactory = _ => 0 };
        var cache = new Option<string?>("--cache") { Description = "folder to cache artifacts in (by sha256)" };
        var maxTasks = new Option<int>("--max-tasks") { Description = "stop after N uploaded results (0 = run until stopped)", DefaultValueFactory = _ => 0 };
        var threads = CliOptions.Threads();
        var provider = CliOptions.Provider();
        var cmd = new Command("worker", "Join a coordinator and train its tasks (pulls work; needs no inbound port)")
        {
            server, token, name, data, samples, offset, cache, maxTasks, threads, provider,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            CliOptions.Require(Uri.TryCreate(pr.GetValue(server), UriKind.Absolute, out var uri), "--server", "must be an absolute URL like http://127.0.0.1:5080");
            var (bundled, files) = LocalData(pr.GetValue(data) ?? []);
            var options = new WorkerOptions
            {
                Server = uri!, Token = pr.GetValue(token)!, Name = pr.GetValue(name), LocalData = bundled, LocalFiles = files,
                LocalDataSamples = pr.GetValue(samples), LocalDataOffset = pr.GetValue(offset), CacheDirectory = pr.GetValue(cache),
                MaxTasks = pr.GetValue(maxTasks) > 0 ? pr.GetValue(maxTasks) : null,
                Runtime = new RuntimeOptions { IntraOpThreads = pr.GetValue(threads), Provider = pr.GetValue(provider) },
            };
            using var agent = new WorkerAgent(options);
            agent.Event += e => { if (Describe(e) is { Length: > 0 } line) Console.WriteLine(line); };
            using var cts = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
            try { agent.RunAsync(cts.Token).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { }
            catch (CoordinatorRefusedException e) { throw new CliUsageException($"the coordinator refused: {e.Message}"); }
            return 0;
        }));
        return cmd;
    }

    /// <summary>`--data mnist` names the bundled set; `--data NAME=PATH` the user's files, which must exist.</summary>
    static (string? Bundled, Dictionary<string, DatasetFiles> Files) LocalData(string[] values)
    {
        string? bundled = null;
        foreach (var v in values.Where(v => !v.Contains('=')))
        {
            CliOptions.Require(v == "mnist", "--data", $"'{v}' is not NAME=PATH, and the only data set known by name alone is mnist");
            bundled = v;
        }
        return (bundled, CliOptions.DatasetFiles("--data", values.Where(v => v.Contains('='))));
    }

    static string Describe(WorkerEvent e) => e switch
    {
        Joined j => $"joined as {j.WorkerId} (measured {j.SamplesPerSecond:N0} samples/s)",
        TaskStarted t => $"task {t.TaskId}: job {t.JobId} round {t.Round}, {t.Steps} steps",
        TaskUploaded u => $"task {u.TaskId}: uploaded {u.Bytes:N0} bytes, mean loss {u.MeanLoss:F4}, {u.SamplesPerSecond:N0} samples/s",
        TaskDropped d => $"task {d.TaskId}: dropped ({d.Reason})",
        EvaluationSkipped s => $"task {s.TaskId}: federated evaluation skipped ({s.Reason})",
        TaskDeclined d => $"task {d.TaskId}: declined, handed back to the coordinator ({d.Reason})",
        ConnectionProblem c => $"coordinator unreachable or refusing ({c.Message}); retrying in {c.RetryIn.TotalSeconds:F1}s",
        _ => "",
    };
}
