namespace Tessera.Data.Sources;

/// <summary>
/// Where and how to read one data set, as a user writes it in a job spec or on a worker's command line.
/// Options that do not apply to the format are ignored. <see cref="Path"/> may be relative; it is resolved
/// against the base directory given to <see cref="DatasetLoader"/>.
/// </summary>
/// <param name="Format">Null infers it from the path (a folder is images, otherwise the extension).</param>
/// <param name="Label">
/// CSV: the label column (default "label"). npz/safetensors: the labels key (default "y"). npy/IDX: the labels file.
/// </param>
/// <param name="Features">npz/safetensors: the features key (default "x").</param>
/// <param name="Columns">CSV: the feature columns in order (default every column but the label).</param>
/// <param name="Size">Images: [height, width] every image is resized to (default: the model's, else the first image's size).</param>
/// <param name="Channels">Images: 1 (gray) or 3 (RGB); default: the model's input channels, else 3.</param>
/// <param name="Mean">Images: per-channel mean subtracted after scaling to [0, 1] (one value applies to all channels).</param>
/// <param name="Std">Images: per-channel standard deviation divided by after the mean.</param>
/// <param name="SequenceLength">Text: tokens per sample (default 32, the zoo transformer's context).</param>
public sealed record DatasetSource(
    string Path,
    DatasetFormat? Format = null,
    string? Label = null,
    string? Features = null,
    IReadOnlyList<string>? Columns = null,
    DatasetLabelKind LabelKind = DatasetLabelKind.Auto,
    IReadOnlyList<int>? Size = null,
    int? Channels = null,
    IReadOnlyList<float>? Mean = null,
    IReadOnlyList<float>? Std = null,
    TextTokens Tokens = TextTokens.Char,
    int SequenceLength = 32)
{
    public const string DefaultCsvLabel = "label";
    public const string DefaultLabelsKey = "y";
    public const string DefaultFeaturesKey = "x";
}
