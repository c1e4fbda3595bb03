using System.CommandLine;
using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>Options several commands share, defined once.</summary>
internal static class CliOptions
{
    /// <summary>The `--set field=value` options as spec overrides; a malformed one is a usage error naming --set.</summary>
    public static List<Tessera.Protocol.Jobs.SpecOverride> Overrides(IEnumerable<string>? set) => (set ?? []).Select(o =>
    {
        try { return Tessera.Protocol.Jobs.SpecOverride.Parse(o); }
        catch (FormatException e) { throw new CliUsageException($"--set: {e.Message}"); }
    }).ToList();

    public static Option<string> Model() => new("--model") { Description = "zoo model: logreg, 2nn, cnn, chartransformer", DefaultValueFactory = _ => "2nn" };
    public static Option<int> Batch(int fallback) => new("--batch") { Description = "batch size", DefaultValueFactory = _ => fallback };
    public static Option<int> Threads() => new("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core)", DefaultValueFactory = _ => 0 };
    public static Option<ExecutionProvider> Provider() => new("--provider") { Description = "execution provider: Cpu, Cuda, DirectML, CoreML", DefaultValueFactory = _ => ExecutionProvider.Cpu };
    public static Option<OptimizerKind> Optimizer() => new("--optimizer") { Description = "Sgd, Adam or AdamW", DefaultValueFactory = _ => OptimizerKind.Sgd };

    /// <summary>Fails with a message naming the option when a value is out of range.</summary>
    public static void Require(bool ok, string option, string message)
    {
        if (!ok) throw new CliUsageException($"{option}: {message}");
    }

    /// <summary>
    /// The values of a repeatable option naming data sets' files on this machine, `NAME=PATH[,test=PATH]` each, by
    /// name; the files must exist and a name may come once.
    /// </summary>
    public static Dictionary<string, Tessera.Federation.Planning.DatasetFiles> DatasetFiles(string option, IEnumerable<string> values)
    {
        var files = new Dictionary<string, Tessera.Federation.Planning.DatasetFiles>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            (string Name, Tessera.Federation.Planning.DatasetFiles Files) parsed;
            try { parsed = Tessera.Federation.Planning.DatasetFiles.Parse(value); }
            catch (FormatException e) { throw new CliUsageException($"{option}: {e.Message}"); }
            foreach (var p in new[] { parsed.Files.Train, parsed.Files.Test }.OfType<string>())
                Require(File.Exists(p) || Directory.Exists(p), option, $"no file or folder {p}");
            Require(files.TryAdd(parsed.Name, parsed.Files), option, $"data set '{parsed.Name}' is given twice");
        }
        return files;
    }
}

internal sealed class CliUsageException(string message) : Exception(message);
