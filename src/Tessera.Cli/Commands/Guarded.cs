using Spectre.Console;
using Tessera.Graphs;

namespace Tessera.Cli.Commands;

/// <summary>Runs a command body, turning user errors into one clear line on stderr and exit code 2.</summary>
internal static class Guarded
{
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        // Parallel clients (the simulator's worker threads) wrap what they hit: a user's error inside is still one line.
        catch (AggregateException e) when (e.Flatten().InnerExceptions is [var inner, ..] && IsUserError(inner))
        {
            Console.Error.WriteLine($"error: {inner.Message}");
            return 2;
        }
    }

    static bool IsUserError(Exception e) => e is CliUsageException or ArgumentException or OnnxFormatException or UnsupportedOpException or ShapeInferenceException
        or FileNotFoundException or DirectoryNotFoundException or NotSupportedException or FormatException;

    public static void Info(string markup) => AnsiConsole.MarkupLine(markup);
}
