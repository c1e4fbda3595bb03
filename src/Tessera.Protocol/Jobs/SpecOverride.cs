using System.Text.Json.Nodes;

namespace Tessera.Protocol.Jobs;

/// <summary>
/// One "dotted.path=value" change to a spec before it is validated (`tessera simulate --set local.lr=0.02`), so a
/// learning-rate grid or a second seed needs no copy of the YAML. The value is YAML (a number, a word, or a flow list
/// such as [dotnet, browser]); an empty value removes the field, which then takes its default. The parser validates
/// the result as it would the file, so an unknown field or a bad value is named exactly as in a spec.
/// </summary>
public sealed record SpecOverride(string Path, string Value)
{
    /// <summary>Parses "path=value"; throws a FormatException naming what is wrong.</summary>
    public static SpecOverride Parse(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new FormatException($"'{text}' must be field=value, e.g. local.lr=0.02");
        var path = text[..eq].Trim();
        if (path.Split('.').Any(p => p.Length == 0)) throw new FormatException($"'{path}' is not a field path (dotted keys, e.g. strategy.mu)");
        return new SpecOverride(path, text[(eq + 1)..].Trim());
    }

    /// <summary>Sets the value in a parsed spec tree, creating parent mappings that are missing.</summary>
    internal void ApplyTo(JsonObject root)
    {
        var keys = Path.Split('.');
        var node = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            switch (node[keys[i]])
            {
                case JsonObject child: node = child; break;
                case null: var created = new JsonObject(); node[keys[i]] = created; node = created; break;
                default: throw new JobSpecException(string.Join('.', keys[..(i + 1)]), $"is a single value, so '{Path}' cannot be set inside it");
            }
        }
        if (Value.Length == 0) node.Remove(keys[^1]);
        else node[keys[^1]] = JobSpecParser.YamlToJson(Value, Path);
    }

    /// <summary>A folder-safe label ("local.lr-0.02") for naming the run this override makes.</summary>
    public string Label => new((Path + "-" + Value).Select(c => JobSpecParser.IsNameChar(c) ? c : '-').ToArray());
}
