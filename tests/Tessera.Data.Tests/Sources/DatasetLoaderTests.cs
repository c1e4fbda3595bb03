using System.IO.Compression;
using Tessera.Data.Sources;
using Tessera.Protocol;

namespace Tessera.Data.Tests.Sources;

public class DatasetLoaderTests
{
    [Fact]
    public void LoadsNpzWithDefaultKeysAndChecksTheModelShape()
    {
        using var dir = new TempFolder();
        var x = TestFiles.NpyF32([2, 1, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
        var y = TestFiles.NpyI64([2], [1, 0]);
        dir.Write("train.npz", TestFiles.Npz(CompressionLevel.Optimal, ("x", x), ("y", y)));

        var data = DatasetLoader.Load(new DatasetSource("train.npz"), [1, 2, 2], dir.Path);
        Assert.Equal([1, 2, 2], data.SampleShape);
        Assert.Equal([1L, 0], data.Labels!);
        Assert.Equal(2, data.ClassCount);
        Assert.Equal([4f, 5, 6, 7], data.Sample(1).ToArray());

        var ex = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource("train.npz"), [3, 32, 32], dir.Path));
        Assert.Equal($"{Path.Combine(dir.Path, "train.npz")}: x has sample shape [1, 2, 2] but the model takes [3, 32, 32]", ex.Message);
    }

    [Fact]
    public void FlattensOrAddsUnitAxesButNeverTransposes()
    {
        using var dir = new TempFolder();
        dir.Write("a.npz", TestFiles.Npz(CompressionLevel.NoCompression,
            ("x", TestFiles.NpyF32([1, 2, 3], [0, 1, 2, 3, 4, 5])), ("y", TestFiles.NpyI64([1], [0]))));
        var source = new DatasetSource("a.npz");
        Assert.Equal([6], DatasetLoader.Load(source, [6], dir.Path).SampleShape);
        Assert.Equal([1, 2, 3], DatasetLoader.Load(source, [1, 2, 3], dir.Path).SampleShape);
        Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(source, [3, 2], dir.Path));
    }

    [Fact]
    public void NpzWithOtherKeysFloatTargetsAndAMissingKey()
    {
        using var dir = new TempFolder();
        dir.Write("r.npz", TestFiles.Npz(CompressionLevel.Optimal,
            ("inputs", TestFiles.NpyF32([3, 2], [1, 2, 3, 4, 5, 6])), ("price", TestFiles.NpyF32([3], [0.5f, 1.5f, 2.5f]))));
        var data = DatasetLoader.Load(new DatasetSource("r.npz", Features: "inputs", Label: "price"), baseDirectory: dir.Path);
        Assert.Null(data.Labels);
        Assert.Equal([0.5f, 1.5f, 2.5f], data.Targets!);
        Assert.Equal([1], data.TargetShape);

        var ex = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource("r.npz"), baseDirectory: dir.Path));
        Assert.Equal($"{Path.Combine(dir.Path, "r.npz")}: has no array 'x' (it holds 'inputs', 'price')", ex.Message);
    }

    [Fact]
    public void NpyPairWithLabelsFileAndWholeFloatClasses()
    {
        using var dir = new TempFolder();
        dir.Write("x.npy", TestFiles.NpyF32([2, 2], [1, 2, 3, 4]));
        dir.Write("y.npy", TestFiles.NpyF32([2], [2, 0]));
        var data = DatasetLoader.Load(new DatasetSource("x.npy", Label: "y.npy", LabelKind: DatasetLabelKind.Class), [2], dir.Path);
        Assert.Equal([2L, 0], data.Labels!);
        Assert.Equal(3, data.ClassCount);
        Assert.Contains("needs label", Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource("x.npy"), baseDirectory: dir.Path)).Message);
    }

    [Fact]
    public void LabelsMustMatchTheSampleCount()
    {
        using var dir = new TempFolder();
        dir.Write("x.npy", TestFiles.NpyF32([2, 2], [1, 2, 3, 4]));
        dir.Write("y.npy", TestFiles.NpyI64([3], [0, 1, 0]));
        var ex = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource("x.npy", Label: "y.npy"), baseDirectory: dir.Path));
        Assert.Equal($"{Path.Combine(dir.Path, "y.npy")} has shape [3] but {Path.Combine(dir.Path, "x.npy")} has 2 samples: labels need shape [2, ...]", ex.Message);
    }

    [Fact]
    public void SafetensorsWithNamedKeysAndPerPositionLabels()
    {
        using var dir = new TempFolder();
        var file = new SafetensorsFile([
            NamedTensor.FromFloats("pixels", [2, 3], [0, 1, 2, 3, 4, 5]),
            NamedTensor.FromInt32s("next", [2, 3], [1, 2, 3, 4, 5, 0]),
        ]);
        dir.Write("s.safetensors", file.ToBytes());
        var data = DatasetLoader.Load(new DatasetSource("s.safetensors", Features: "pixels", Label: "next"), [3], dir.Path);
        Assert.Equal([3], data.LabelShape);
        Assert.Equal([4L, 5, 0], data.SampleLabels(1).ToArray());
        Assert.Equal(6, data.ClassCount);
        Assert.Contains("has no tensor 'x'", Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource("s.safetensors"), baseDirectory: dir.Path)).Message);
    }

    [Fact]
    public void IdxPairFindsItsLabelsByMnistNaming()
    {
        using var dir = new TempFolder();
        dir.Write("train-images-idx3-ubyte", TestFiles.Idx([2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4]));
        dir.Write("train-labels-idx1-ubyte", TestFiles.Idx([2], [3, 1]));
        var data = DatasetLoader.Load(new DatasetSource("train-images-idx3-ubyte"), [1, 2, 2], dir.Path);
        Assert.Equal([0f, 1, 0.2f, 0.4f], data.Sample(0).ToArray());
        Assert.Equal([3L, 1], data.Labels!);
        Assert.Equal([1, 2, 2], data.SampleShape);
    }

    [Fact]
    public void CsvWithChosenColumnsAndCategoryLabels()
    {
        using var dir = new TempFolder();
        dir.Write("t.csv", "a,b,kind,c\n1,2,cat,3\n4,5,dog,6\n");
        var loaded = DatasetLoader.LoadDetailed(new DatasetSource("t.csv", Label: "kind", Columns: ["c", "a"]), [2], dir.Path);
        Assert.Equal([3f, 1, 6, 4], loaded.Data.Features);
        Assert.Equal(["cat", "dog"], loaded.ClassNames!);
        Assert.Equal(["c", "a"], loaded.FeatureNames!);
        var ex = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource("t.csv", Label: "kind", Columns: ["z"]), baseDirectory: dir.Path));
        Assert.StartsWith($"{Path.Combine(dir.Path, "t.csv")}: feature column 'z' not in header", ex.Message);
    }

    [Fact]
    public void CsvFloatLabelsAreTargets()
    {
        using var dir = new TempFolder();
        dir.Write("t.csv", "x,label\n1,0.5\n2,3\n");
        var data = DatasetLoader.Load(new DatasetSource("t.csv", LabelKind: DatasetLabelKind.Float), baseDirectory: dir.Path);
        Assert.Equal([0.5f, 3], data.Targets!);
    }

    [Fact]
    public void TextBecomesNextTokenWindows()
    {
        using var dir = new TempFolder();
        dir.Write("t.txt", "abcabcab");
        var loaded = DatasetLoader.LoadDetailed(new DatasetSource("t.txt", SequenceLength: 3), [3], dir.Path);
        // windows of 4: "abca", "bcab"; vocabulary a=0 b=1 c=2
        Assert.Equal([0f, 1, 2, 1, 2, 0], loaded.Data.Features);
        Assert.Equal([1L, 2, 0, 2, 0, 1], loaded.Data.Labels!);
        Assert.Equal(3, loaded.Data.ClassCount);
        Assert.Equal("c", loaded.Vocabulary!.Decode(2));
    }

    [Fact]
    public void MissingFilesAndUnknownFormatsAreOneLineErrors()
    {
        using var dir = new TempFolder();
        string missing = Path.Combine(dir.Path, "none.npz");
        Assert.Equal($"{missing}: no such file", Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource(missing))).Message);
        dir.Write("data.bin", [1, 2, 3]);
        Assert.Contains("cannot tell the format", Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource("data.bin"), baseDirectory: dir.Path)).Message);
    }

    [Theory]
    [InlineData("a.csv", DatasetFormat.Csv)]
    [InlineData("a.NPZ", DatasetFormat.Npz)]
    [InlineData("a.npy", DatasetFormat.Npy)]
    [InlineData("m.safetensors", DatasetFormat.Safetensors)]
    [InlineData("t10k-images-idx3-ubyte", DatasetFormat.Idx)]
    [InlineData("book.txt", DatasetFormat.Text)]
    public void FormatFollowsTheExtension(string name, DatasetFormat format)
    {
        Assert.Equal(format, DatasetFormats.Infer(name));
        Assert.True(DatasetFormats.TryParse(format.ToName().ToUpperInvariant(), out var back));
        Assert.Equal(format, back);
    }
}
