namespace Tessera.Worker;

/// <summary>
/// How many samples a local data set holds, told to the coordinator at join so it can size tasks. The exact count
/// needs the job's format (a text set's windows depend on the model), so this is a cheap count of rows or files.
/// </summary>
public static class LocalDataCount
{
    public static int Estimate(string path)
    {
        try
        {
            if (Directory.Exists(path))
                return Math.Max(1, Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Count());
            if (Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase))
                return Math.Max(1, File.ReadLines(path).Count(l => l.Trim().Length > 0) - 1);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 1; }
    }
}
