namespace Tessera.Federation.Planning;

/// <summary>
/// Where one machine keeps a named data set's files: the simulator from the spec's data.path, the coordinator
/// from `tessera serve --dataset NAME=PATH`, a worker from `tessera worker --data NAME=PATH`.
/// </summary>
/// <param name="Test">Held-out split; null: a seeded 20% of <paramref name="Train"/> is held out.</param>
public sealed record DatasetFiles(string Train, string? Test = null)
{
    /// <summary>Parses `NAME=PATH[,test=PATH]` as the CLI takes it; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static (string Name, DatasetFiles Files) Parse(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1) throw new FormatException($"'{text}' is not NAME=PATH");
        var name = text[..eq];
        var parts = text[(eq + 1)..].Split(',');
        string? test = null;
        foreach (var p in parts.Skip(1))
            test = p.StartsWith("test=", StringComparison.Ordinal) && p.Length > 5 ? p[5..] : throw new FormatException($"'{p}' in '{text}' is not test=PATH");
        return (name, new DatasetFiles(Path.GetFullPath(parts[0]), test is null ? null : Path.GetFullPath(test)));
    }
}
