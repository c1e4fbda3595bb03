using System.Diagnostics;

namespace Tessera.Coordinator.Tests;

/// <summary>`tessera worker` as a child process, so a test can kill it like a crashed machine.</summary>
public sealed class WorkerProcess : IDisposable
{
    readonly Process _process;

    public WorkerProcess(string url, string token, string name, Action<WorkerProcess, string>? onLine = null)
    {
        var dll = Path.Combine(RepoPaths.Root, "src", "Tessera.Cli", "bin", CoordinatorProcess.Configuration, "net10.0", "tessera.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            ArgumentList = { dll, "worker", "--server", url, "--token", token, "--name", name, "--threads", "1" },
        };
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) onLine?.Invoke(this, line); };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
