using Spectre.Console;
using Tessera.Graphs;

namespace Tessera.Cli.Commands;

/// <summary>Runs a command body, turning user errors into one clear line on stderr and exit code 2.</summary>
internal static class Guarded
{
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is CliUsageException or ArgumentException or OnnxFormatException or UnsupportedOpException or ShapeInferenceException
                                      or FileNotFoundException or DirectoryNotFoundException or NotSupportedException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    public static void Info(string markup) => AnsiConsole.MarkupLine(markup);
}
