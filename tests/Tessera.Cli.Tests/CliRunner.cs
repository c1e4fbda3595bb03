using System.Diagnostics;

namespace Tessera.Cli.Tests;

/// <summary>Runs the built `tessera` CLI as a separate process, as a user would.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>A fresh folder to run in, holding <paramref name="spec"/> as job.yaml.</summary>
    public static string Workspace(string spec)
    {
        var dir = Directory.CreateTempSubdirectory("tessera-cli-").FullName;
        File.WriteAllText(Path.Combine(dir, "job.yaml"), spec);
        return dir;
    }

    public static Result Run(string workingDirectory, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "tessera.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory,
        };
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); throw new TimeoutException($"tessera {string.Join(' ', args)} timed out"); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
