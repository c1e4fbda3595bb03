using System.Globalization;
using System.Text;

namespace Tessera.Data.Loading;

/// <summary>
/// Loads a CSV with a header row: one named label column, every other column a numeric feature.
/// Quoted fields (RFC 4180, with "" for a quote) are supported; blank lines are skipped.
/// Row numbers in errors are 1-based file lines, the header being row 1.
/// </summary>
public static class CsvLoader
{
    public static CsvData Load(string path, string labelColumn, CsvLabelKind labelKind = CsvLabelKind.Auto, char delimiter = ',')
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Load(reader, labelColumn, labelKind, delimiter);
    }

    public static CsvData Load(TextReader reader, string labelColumn, CsvLabelKind labelKind = CsvLabelKind.Auto, char delimiter = ',') =>
        Load(reader, labelColumn, null, labelKind, delimiter);

    /// <param name="featureColumns">The feature columns in feature-vector order; null takes every column but the label.</param>
    public static CsvData Load(string path, string labelColumn, IReadOnlyList<string>? featureColumns, CsvLabelKind labelKind = CsvLabelKind.Auto, char delimiter = ',')
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Load(reader, labelColumn, featureColumns, labelKind, delimiter);
    }

    /// <param name="featureColumns">The feature columns in feature-vector order; null takes every column but the label.</param>
    public static CsvData Load(TextReader reader, string labelColumn, IReadOnlyList<string>? featureColumns, CsvLabelKind labelKind = CsvLabelKind.Auto, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(labelColumn);
        int lineNumber = 0;
        string? line;
        List<string>? header = null;
        while (header is null && (line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Trim().Length > 0) header = SplitLine(line, delimiter, lineNumber).Select(h => h.Trim()).ToList();
        }
        if (header is null)
            throw new CsvFormatException("CSV is empty: no header row");
        int labelIndex = header.IndexOf(labelColumn);
        if (labelIndex < 0)
            throw new CsvFormatException($"label column '{labelColumn}' not in header [{string.Join(", ", header)}]");
        int[] featureIndices = featureColumns is null
            ? Enumerable.Range(0, header.Count).Where(i => i != labelIndex).ToArray()
            : featureColumns.Select(c => header.IndexOf(c) is int i and >= 0 && i != labelIndex
                ? i
                : throw new CsvFormatException($"feature column '{c}' not in header [{string.Join(", ", header)}] (or it is the label)")).ToArray();
        var featureNames = featureIndices.Select(i => header[i]).ToArray();

        var features = new List<float>();
        var rawLabels = new List<(string text, int row)>();
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            var fields = SplitLine(line, delimiter, lineNumber);
            if (fields.Count != header.Count)
                throw new CsvFormatException($"row {lineNumber}: {fields.Count} fields, header has {header.Count}");
            foreach (int i in featureIndices)
            {
                if (!float.TryParse(fields[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                    throw new CsvFormatException($"row {lineNumber}, column '{header[i]}': '{fields[i]}' is not a number");
                features.Add(v);
            }
            rawLabels.Add((fields[labelIndex].Trim(), lineNumber));
        }
        return Build(features.ToArray(), featureNames, rawLabels, labelColumn, labelKind);
    }

    private static CsvData Build(float[] features, string[] featureNames, List<(string text, int row)> raw, string labelColumn, CsvLabelKind kind)
    {
        int[] shape = [featureNames.Length];
        if (featureNames.Length == 0)
            throw new CsvFormatException("CSV has no feature columns besides the label");
        if (kind == CsvLabelKind.Regression)
        {
            var targets = raw.Select(r => float.TryParse(r.text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v)
                ? v
                : throw new CsvFormatException($"row {r.row}, column '{labelColumn}': '{r.text}' is not a number")).ToArray();
            return new CsvData(Dataset.ForRegression(features, shape, targets, [1]), featureNames, null);
        }
        bool allIntegers = raw.All(r => long.TryParse(r.text, NumberStyles.None, CultureInfo.InvariantCulture, out _));
        if (kind == CsvLabelKind.Integer || (kind == CsvLabelKind.Auto && allIntegers && raw.Count > 0))
        {
            var labels = raw.Select(r => long.TryParse(r.text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v < int.MaxValue
                ? v
                : throw new CsvFormatException($"row {r.row}, column '{labelColumn}': '{r.text}' is not a non-negative integer class")).ToArray();
            int classCount = labels.Length == 0 ? 1 : (int)labels.Max() + 1;
            var names = Enumerable.Range(0, classCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
            return new CsvData(Dataset.ForClassification(features, shape, labels, classCount), featureNames, names);
        }
        // Ordinal sort makes the class numbering independent of row order and culture.
        var classes = raw.Select(r => r.text).Distinct().Order(StringComparer.Ordinal).ToArray();
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => (long)x.i, StringComparer.Ordinal);
        var categoryLabels = raw.Select(r => index[r.text]).ToArray();
        return new CsvData(Dataset.ForClassification(features, shape, categoryLabels, Math.Max(1, classes.Length)), featureNames, classes);
    }

    /// <summary>Splits one line into fields, honouring double-quoted fields.</summary>
    internal static List<string> SplitLine(string line, char delimiter, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"' && field.ToString().Trim().Length == 0) { field.Clear(); quoted = true; }
            else if (ch == delimiter) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        if (quoted)
            throw new CsvFormatException($"row {lineNumber}: unterminated quoted field");
        fields.Add(field.ToString());
        return fields;
    }
}
