namespace Tessera.Protocol.Jobs;

/// <summary>
/// How a user's data files are read, the same on the simulator, the coordinator and every worker (only the paths
/// differ from machine to machine). Each field applies to some formats; unset fields take the loader's default.
/// </summary>
public sealed record DataFormatSpec
{
    /// <summary>csv, images, npy, npz, safetensors, idx or text; null: from the file's extension (a folder: images).</summary>
    public string? Kind { get; init; }
    /// <summary>CSV label column; npz/safetensors labels key; idx labels file.</summary>
    public string? Label { get; init; }
    /// <summary>npz/safetensors features key.</summary>
    public string? Features { get; init; }
    /// <summary>CSV feature columns in order; empty: every column but the label.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];
    /// <summary>class (integer labels) or float (regression targets); null: decided by the model's loss.</summary>
    public string? LabelKind { get; init; }
    /// <summary>Images: resize to [height, width].</summary>
    public IReadOnlyList<int> ImageSize { get; init; } = [];
    /// <summary>Images: 1 (grey) or 3 (RGB).</summary>
    public int? Channels { get; init; }
    /// <summary>Images: per-channel normalisation, (x/255 - mean) / std.</summary>
    public IReadOnlyList<double> Mean { get; init; } = [];
    public IReadOnlyList<double> Std { get; init; } = [];
    /// <summary>Text: char or byte tokens.</summary>
    public string? Tokens { get; init; }
}
