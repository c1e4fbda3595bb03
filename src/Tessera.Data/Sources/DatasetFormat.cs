namespace Tessera.Data.Sources;

/// <summary>How a data set's files are laid out; see <see cref="DatasetSource"/>.</summary>
public enum DatasetFormat
{
    /// <summary>A CSV file with a header row: one label column, numeric feature columns.</summary>
    Csv,
    /// <summary>A folder with one subfolder of PNG/JPEG images per class.</summary>
    Images,
    /// <summary>A NumPy .npy file of features; labels in a second .npy named by the label option.</summary>
    Npy,
    /// <summary>A NumPy .npz archive holding features and labels under two keys.</summary>
    Npz,
    /// <summary>A safetensors file holding features and labels under two keys.</summary>
    Safetensors,
    /// <summary>An IDX file of unsigned bytes (MNIST's format); labels in a second IDX file.</summary>
    Idx,
    /// <summary>Plain UTF-8 text, cut into token windows for next-token prediction.</summary>
    Text,
}

public static class DatasetFormats
{
    public static IReadOnlyList<string> Names { get; } = ["csv", "images", "npy", "npz", "safetensors", "idx", "text"];

    /// <summary>Parses a format name as written in a job spec (case-insensitive).</summary>
    public static bool TryParse(string? name, out DatasetFormat format)
    {
        int i = name is null ? -1 : Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        format = i < 0 ? default : (DatasetFormat)i;
        return i >= 0;
    }

    public static string ToName(this DatasetFormat format) => Names[(int)format];

    /// <summary>
    /// The format a path implies: a folder holds images; otherwise the extension decides (.idx and MNIST's
    /// "-ubyte" names are IDX; .txt/.text are text). Null when nothing fits.
    /// </summary>
    public static DatasetFormat? Infer(string path)
    {
        if (Directory.Exists(path)) return DatasetFormat.Images;
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith("-ubyte", StringComparison.Ordinal) || name.Contains("-ubyte.", StringComparison.Ordinal)) return DatasetFormat.Idx;
        return System.IO.Path.GetExtension(name) switch
        {
            ".csv" => DatasetFormat.Csv,
            ".npy" => DatasetFormat.Npy,
            ".npz" => DatasetFormat.Npz,
            ".safetensors" => DatasetFormat.Safetensors,
            ".idx" or ".idx1" or ".idx3" => DatasetFormat.Idx,
            ".txt" or ".text" => DatasetFormat.Text,
            _ => null,
        };
    }
}
