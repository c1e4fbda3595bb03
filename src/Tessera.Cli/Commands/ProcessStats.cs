using System.Globalization;

namespace Tessera.Cli.Commands;

/// <summary>A Linux process's resident memory, CPU time, threads and open descriptors, read from /proc.</summary>
internal sealed record ProcessStats(long RssBytes, double CpuSeconds, int Threads, int OpenFds)
{
    public static ProcessStats? Read(int pid)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            long Kb(string key) => long.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
            int fds = Directory.GetFiles($"/proc/{pid}/fd").Length;
            return new ProcessStats(Kb("VmRSS:") * 1024, ticks / 100.0, (int)Kb("Threads:"), fds); // USER_HZ is 100 on Linux
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException) { return null; }
    }

    /// <summary>This process's soft open-file limit (0 when unknown).</summary>
    public static long OpenFileLimit()
    {
        try
        {
            var line = File.ReadAllLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: >= 4 } && long.TryParse(parts[3], out var soft) ? soft : 0;
        }
        catch (IOException) { return 0; }
    }
}
