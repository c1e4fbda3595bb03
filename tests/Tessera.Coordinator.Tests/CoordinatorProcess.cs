using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tessera.Coordinator.Tests;

/// <summary>`tessera serve` as a child process, so a test can SIGKILL it and start it again on the same data.</summary>
public sealed class CoordinatorProcess : IDisposable
{
    public const string AdminKey = "test-admin-key";
    readonly Process _process;
    public string Url { get; }

    CoordinatorProcess(Process process, string url) => (_process, Url) = (process, url);

    /// <param name="database">`--db`: a PostgreSQL connection string, or null for SQLite under the data folder.</param>
    public static CoordinatorProcess Start(string dataDirectory, int port, string? database = null)
    {
        var psi = Serve(["--port", port.ToString(), "--data", dataDirectory, "--admin-key", AdminKey, "--eval-samples", "5000",
                         .. database is null ? Array.Empty<string>() : ["--db", database]]);
        var p = Process.Start(psi)!;
        string? url = null;
        var ready = new TaskCompletionSource<string>();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening on ", StringComparison.Ordinal) == true) ready.TrySetResult(e.Data["listening on ".Length..]);
        };
        p.ErrorDataReceived += (_, _) => { };
        p.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"coordinator exited with {p.ExitCode}"));
        p.EnableRaisingEvents = true;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        url = ready.Task.WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        return new CoordinatorProcess(p, url);
    }

    /// <summary>Runs `tessera serve` expecting it to refuse to start; returns its exit code and stderr.</summary>
    public static (int ExitCode, string StdErr) RunUntilExit(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = Serve(args);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"tessera serve {string.Join(' ', args)} kept running: {stdout.Result}");
        }
        return (p.ExitCode, stderr.Result);
    }

    static ProcessStartInfo Serve(IEnumerable<string> args)
    {
        var dll = Path.Combine(RepoPaths.Root, "src", "Tessera.Cli", "bin", Configuration, "net10.0", "tessera.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"build the CLI first: {dll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("serve");
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The coordinator under test gets its database from its arguments only.
        psi.Environment.Remove("TESSERA_DB");
        return psi;
    }

    /// <summary>kill -9: no shutdown hooks, no flushing; whatever was not durable is lost.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

#if DEBUG
    internal const string Configuration = "Debug";
#else
    internal const string Configuration = "Release";
#endif

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}

static class RepoPaths
{
    public static string Root { get; } = Find();

    static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Tessera.slnx) not found above the test binaries");
    }
}
