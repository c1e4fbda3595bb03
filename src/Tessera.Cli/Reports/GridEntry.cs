using Tessera.Cli.Commands;

namespace Tessera.Cli.Reports;

/// <summary>
/// One row or column of a benchmark grid: a label and the YAML value it puts in the spec. Written as a bare name
/// ("median", which is its own label) or as label=YAML ("cc-m={name: centered_clip, momentum: 0.9}"): a snippet needs
/// a label because it names table rows, CSV cells and skipped runs.
/// </summary>
internal sealed record GridEntry(string Label, string Yaml)
{
    public const string None = "none";

    public bool IsNone => Yaml == None;

    /// <summary>True when the YAML is a mapping, not a bare name.</summary>
    public bool IsMapping => Yaml.TrimStart().StartsWith('{');

    public static GridEntry Parse(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        int eq = text.IndexOf('=');
        var label = (eq > 0 ? text[..eq] : text).Trim();
        var yaml = (eq > 0 ? text[(eq + 1)..] : text).Trim();
        if (eq <= 0 && yaml.StartsWith('{'))
            throw new CliUsageException($"{option}: '{text}' is a snippet; name it, e.g. mine={yaml}");
        if (label.Length == 0 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+' or '/'))
            throw new CliUsageException($"{option}: '{text}' needs a label of letters, digits, - _ . + / (label=YAML for a snippet; family/setting labels are tuned together)");
        return new GridEntry(label, yaml);
    }

    public static IReadOnlyList<GridEntry> ParseAll(IEnumerable<string> texts, string option)
    {
        var entries = texts.Select(t => Parse(t, option)).ToList();
        var twice = entries.GroupBy(e => e.Label).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new CliUsageException($"{option}: label '{twice.Key}' comes twice");
        if (entries.Count == 0) throw new CliUsageException($"{option}: give at least one");
        return entries;
    }
}
