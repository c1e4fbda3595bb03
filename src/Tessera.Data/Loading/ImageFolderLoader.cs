using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>
/// Loads a folder of class subfolders of PNG/JPEG images (torchvision's ImageFolder layout): classes are the
/// subfolder names in ordinal order, images in each folder are taken in ordinal file-name order, so the sample
/// order is the same on every machine. Samples are [channels, height, width].
/// </summary>
public static class ImageFolderLoader
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <param name="size">[height, width] to resize to; null takes the first image's size.</param>
    public static (Dataset Data, IReadOnlyList<string> ClassNames) Load(string folder, IReadOnlyList<int>? size, int channels,
        IReadOnlyList<float>? mean, IReadOnlyList<float>? std)
    {
        if (!Directory.Exists(folder))
            throw new DatasetFormatException($"{folder}: no such folder of class subfolders");
        var classes = Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new DatasetFormatException($"{folder}: has no class subfolders (expected one folder of images per class)");
        var files = new List<(string Path, long Label)>();
        for (int c = 0; c < classes.Length; c++)
        {
            var images = Directory.GetFiles(Path.Combine(folder, classes[c]))
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()) && !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0)
                throw new DatasetFormatException($"{Path.Combine(folder, classes[c])}: class folder has no PNG or JPEG images");
            files.AddRange(images.Select(f => (f, (long)c)));
        }
        if (size is not null && size.Count != 2)
            throw new DatasetFormatException($"{folder}: size has {size.Count} values; it is [height, width]");
        var (h, w) = size is null ? ImageDecoder.Probe(File.ReadAllBytes(files[0].Path), files[0].Path) : (size[0], size[1]);
        var decoder = new ImageDecoder(h, w, channels, mean, std);
        var features = new float[checked((long)files.Count * decoder.SampleSize)];
        for (int i = 0; i < files.Count; i++)
            decoder.Decode(File.ReadAllBytes(files[i].Path), files[i].Path, features.AsSpan(i * decoder.SampleSize, decoder.SampleSize));
        var labels = files.Select(f => f.Label).ToArray();
        return (Dataset.ForClassification(features, [channels, h, w], labels, classes.Length), classes);
    }
}
