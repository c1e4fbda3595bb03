using System.IO.Compression;
using CsCheck;
using SkiaSharp;
using Tessera.Data.Sources;
using Tessera.Protocol;

namespace Tessera.Data.Tests.Sources;

/// <summary>
/// Random and mutated user files, read through the one entry point: the only exception ever allowed is
/// <see cref="DatasetFormatException"/>, and whatever does load is a consistent data set.
/// The valid seed of each mutation is checked to load first, so the mutations start from real files.
/// </summary>
public class ParserFuzzTests
{
    /// <summary>Per property; TESSERA_FUZZ_ITERATIONS raises it for a deeper run.</summary>
    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("TESSERA_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 300;

    private static Gen<byte[]> Mutations(byte[] valid) =>
        Gen.Select(
            Gen.Int[0, valid.Length],
            Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte).Array[1, 8],
            Gen.Byte.Array[0, 16],
            (cut, edits, tail) =>
            {
                var bytes = valid.ToArray();
                foreach (var (at, value) in edits) bytes[at] = value;
                // Half the cases keep the full length so edits reach the data, half truncate or append.
                return cut % 2 == 0 ? [.. bytes.AsSpan(0, cut), .. tail] : bytes;
            });

    private static void Fuzz(string fileName, byte[] valid, DatasetSource source, Func<TempFolder, string, string>? place = null)
    {
        using var dir = new TempFolder();
        place ??= (d, name) => Path.Combine(d.Path, name);
        string path = place(dir, fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        void Check(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                var d = DatasetLoader.Load(source, baseDirectory: dir.Path);
                Assert.Equal((long)d.Count * d.SampleSize, d.Features.LongLength);
            }
            catch (DatasetFormatException ex)
            {
                Assert.DoesNotContain('\n', ex.Message);
            }
        }
        File.WriteAllBytes(path, valid);
        Assert.True(DatasetLoader.Load(source, baseDirectory: dir.Path).Count > 0);
        Gen.Byte.Array[0, 300].Sample(Check, iter: Iterations, threads: 1);
        Mutations(valid).Sample(Check, iter: Iterations, threads: 1);
    }

    private static byte[] ValidNpy() => TestFiles.NpyF32([3, 2], [1, 2, 3, 4, 5, 6]);

    [Fact]
    public void Npy()
    {
        using var labels = new TempFolder();
        Fuzz("x.npy", ValidNpy(), new DatasetSource("x.npy", Label: Path.Combine(labels.Path, "y.npy")),
            (d, name) => { labels.Write("y.npy", TestFiles.NpyI64([3], [0, 1, 2])); return Path.Combine(d.Path, name); });
        // And the labels file as the mutated one.
        using var features = new TempFolder();
        features.Write("x.npy", ValidNpy());
        Fuzz("y.npy", TestFiles.Npy("|u1", [3], [0, 1, 2]), new DatasetSource(Path.Combine(features.Path, "x.npy"), Label: "y.npy"));
    }

    [Fact]
    public void Npz()
    {
        foreach (var level in new[] { CompressionLevel.NoCompression, CompressionLevel.Optimal })
            Fuzz("d.npz", TestFiles.Npz(level, ("x", ValidNpy()), ("y", TestFiles.NpyI64([3], [2, 0, 1]))), new DatasetSource("d.npz"));
    }

    [Fact]
    public void Safetensors()
    {
        var file = new SafetensorsFile([NamedTensor.FromFloats("x", [3, 2], [1, 2, 3, 4, 5, 6]), NamedTensor.FromInt64s("y", [3], [0, 1, 1])]);
        Fuzz("d.safetensors", file.ToBytes(), new DatasetSource("d.safetensors"));
    }

    [Fact]
    public void Idx()
    {
        using var other = new TempFolder();
        other.Write("train-labels-idx1-ubyte", TestFiles.Idx([2], [1, 0]));
        Fuzz("train-images-idx3-ubyte", TestFiles.Idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
            new DatasetSource("train-images-idx3-ubyte", Label: Path.Combine(other.Path, "train-labels-idx1-ubyte")));
    }

    [Fact]
    public void Text()
    {
        var valid = "Hello, federated world!\nÄ second line."u8.ToArray();
        foreach (var tokens in new[] { TextTokens.Char, TextTokens.Byte, TextTokens.Ascii })
            Fuzz("t.txt", tokens == TextTokens.Ascii ? "Hello, world!\nSecond line."u8.ToArray() : valid,
                new DatasetSource("t.txt", Tokens: tokens, SequenceLength: 4));
    }

    [Fact]
    public void Csv()
    {
        Fuzz("t.csv", "a,b,label\n1,2,x\n3.5,-4,y\n\"5\",6,x\n"u8.ToArray(), new DatasetSource("t.csv"));
        // Text from CSV's own alphabet reaches deeper than random bytes.
        using var dir = new TempFolder();
        Gen.String[Gen.Char["ab,label\"\n0123456789.-e "], 0, 80].Sample(text =>
        {
            dir.Write("g.csv", text);
            try { DatasetLoader.Load(new DatasetSource("g.csv"), baseDirectory: dir.Path); }
            catch (DatasetFormatException) { }
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Images()
    {
        SKColor Colour(int x, int y) => new((byte)(x * 30), (byte)(y * 30), 128);
        foreach (var format in new[] { SKEncodedImageFormat.Png, SKEncodedImageFormat.Jpeg })
            Fuzz("img", TestFiles.Image(6, 5, Colour, format, 90), new DatasetSource(".", Format: DatasetFormat.Images, Size: [4, 4]),
                (d, name) => Path.Combine(d.Path, "class", format == SKEncodedImageFormat.Png ? "a.png" : "a.jpg"));
    }
}
