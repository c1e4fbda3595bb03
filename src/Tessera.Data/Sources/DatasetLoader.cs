using Tessera.Data.Loading;
using Tessera.Protocol;

namespace Tessera.Data.Sources;

/// <summary>
/// The one entry point for a user's data: reads a <see cref="DatasetSource"/> in its format and checks its sample
/// shape against the model's input. Every problem with the data is a <see cref="DatasetFormatException"/> whose
/// message names the file and what is wrong.
/// </summary>
public static class DatasetLoader
{
    /// <param name="expectedSampleShape">The model's per-sample input shape; null skips the check.</param>
    /// <param name="baseDirectory">Relative paths in the source are resolved against it (default: the current directory).</param>
    public static Dataset Load(DatasetSource source, IReadOnlyList<long>? expectedSampleShape = null, string? baseDirectory = null) =>
        LoadDetailed(source, expectedSampleShape, baseDirectory).Data;

    /// <inheritdoc cref="Load"/>
    public static LoadedDataset LoadDetailed(DatasetSource source, IReadOnlyList<long>? expectedSampleShape = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (string.IsNullOrWhiteSpace(source.Path))
            throw new DatasetFormatException("data set path is empty");
        string path = Resolve(source.Path, baseDirectory);
        var format = source.Format ?? DatasetFormats.Infer(path)
            ?? throw new DatasetFormatException(
                $"{path}: cannot tell the format from the name; set format to one of {string.Join(", ", DatasetFormats.Names)}");
        if (format != DatasetFormat.Images && !File.Exists(path))
            throw new DatasetFormatException(Directory.Exists(path) ? $"{path}: is a folder, but {format.ToName()} data is a file" : $"{path}: no such file");
        try
        {
            var (loaded, field) = Read(source, path, format, baseDirectory, expectedSampleShape);
            return loaded with { Data = SampleShapeFit.Fit(loaded.Data, expectedSampleShape, path, field) };
        }
        catch (CsvFormatException ex) { throw new DatasetFormatException($"{path}: {ex.Message}", ex); }
        catch (IdxFormatException ex) { throw new DatasetFormatException(ex.Message, ex); }
        catch (SafetensorsFormatException ex) { throw new DatasetFormatException($"{path}: {ex.Message}", ex); }
        catch (ArgumentException ex) { throw new DatasetFormatException($"{path}: {ex.Message}", ex); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DatasetFormatException($"{path}: cannot be read ({ex.Message})", ex);
        }
    }

    private static (LoadedDataset Loaded, string Field) Read(DatasetSource s, string path, DatasetFormat format, string? baseDirectory,
        IReadOnlyList<long>? expected)
    {
        switch (format)
        {
            case DatasetFormat.Csv:
            {
                var kind = s.LabelKind == DatasetLabelKind.Float ? CsvLabelKind.Regression : CsvLabelKind.Auto;
                var csv = CsvLoader.Load(path, s.Label ?? DatasetSource.DefaultCsvLabel, s.Columns, kind);
                return (new LoadedDataset(csv.Dataset, path, format, csv.ClassNames, csv.FeatureNames), "a row of feature columns");
            }
            case DatasetFormat.Images:
            {
                // Unset size and channels follow the model's [C, H, W] input, so a folder needs no options to fit it.
                bool chw = expected is [var c, var h, var w] && c is 1 or 3 && h is > 0 and <= 1 << 13 && w is > 0 and <= 1 << 13;
                var size = s.Size ?? (chw ? [(int)expected![1], (int)expected[2]] : null);
                int channels = s.Channels ?? (chw ? (int)expected![0] : 3);
                var (data, classes) = ImageFolderLoader.Load(path, size, channels, s.Mean, s.Std);
                return (new LoadedDataset(data, path, format, classes), "images");
            }
            case DatasetFormat.Npy:
            {
                string labels = LabelsFile(s, path, baseDirectory, format);
                var x = NpyReader.Read(File.ReadAllBytes(path), path);
                var y = NpyReader.Read(File.ReadAllBytes(labels), labels);
                return (new LoadedDataset(ArrayDataset.Build(x, y, s.LabelKind), path, format), "the array");
            }
            case DatasetFormat.Npz:
            {
                string xKey = s.Features ?? DatasetSource.DefaultFeaturesKey, yKey = s.Label ?? DatasetSource.DefaultLabelsKey;
                var arrays = NpzReader.Read(path, xKey, yKey);
                return (new LoadedDataset(ArrayDataset.Build(arrays[xKey], arrays[yKey], s.LabelKind), path, format), xKey);
            }
            case DatasetFormat.Safetensors:
            {
                string xKey = s.Features ?? DatasetSource.DefaultFeaturesKey, yKey = s.Label ?? DatasetSource.DefaultLabelsKey;
                return (new LoadedDataset(SafetensorsDataLoader.Load(path, xKey, yKey, s.LabelKind), path, format), xKey);
            }
            case DatasetFormat.Idx:
            {
                string labels = LabelsFile(s, path, baseDirectory, format);
                return (new LoadedDataset(IdxDataLoader.Load(path, labels), path, format), "samples");
            }
            case DatasetFormat.Text:
            {
                var (data, vocabulary) = TextLoader.Load(File.ReadAllBytes(path), path, s.Tokens, s.SequenceLength);
                return (new LoadedDataset(data, path, format, Vocabulary: vocabulary), "tokens");
            }
            default:
                throw new DatasetFormatException($"{path}: unknown format {format}");
        }
    }

    /// <summary>The labels file of a two-file format; for IDX, MNIST's naming (images → labels, idx3 → idx1) is tried when none is given.</summary>
    private static string LabelsFile(DatasetSource s, string path, string? baseDirectory, DatasetFormat format)
    {
        string? labels = s.Label is null ? null : Resolve(s.Label, baseDirectory ?? Path.GetDirectoryName(path));
        if (labels is null && format == DatasetFormat.Idx)
        {
            string name = Path.GetFileName(path);
            string guess = name.Replace("images", "labels", StringComparison.Ordinal).Replace("idx3", "idx1", StringComparison.Ordinal);
            if (guess != name && File.Exists(Path.Combine(Path.GetDirectoryName(path)!, guess)))
                labels = Path.Combine(Path.GetDirectoryName(path)!, guess);
        }
        if (labels is null)
            throw new DatasetFormatException($"{path}: {format.ToName()} data needs label: the file of labels");
        if (!File.Exists(labels))
            throw new DatasetFormatException($"{labels}: no such file (the labels of {path})");
        return labels;
    }

    private static string Resolve(string path, string? baseDirectory) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), path));
}
