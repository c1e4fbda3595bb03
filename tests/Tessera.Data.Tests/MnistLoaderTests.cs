using Tessera.Data.Loading;

namespace Tessera.Data.Tests;

public class MnistLoaderTests
{
    [Fact]
    public void LoadsRealTrainingSet()
    {
        var train = MnistLoader.LoadTrain();
        Assert.Equal(60000, train.Count);
        Assert.Equal([784], train.SampleShape);
        Assert.Equal(5, train.Labels![0]);
        Assert.All(train.Labels, l => Assert.InRange(l, 0, 9));
        Assert.Equal(10, train.Labels.Distinct().Count());
        Assert.All(train.Features, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(1f, train.Features.Max());
    }

    [Fact]
    public void LoadsRealTestSetAsImages()
    {
        var test = MnistLoader.LoadTest(MnistLayout.Image);
        Assert.Equal(10000, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal(7, test.Labels![0]); // the first t10k digit is a 7
    }

    private static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new List<byte>();
        void U32(int v) => bytes.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        U32(magic);
        foreach (int d in dims) U32(d);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    [Fact]
    public void LoadsHandWrittenIdxFiles()
    {
        var dir = Directory.CreateTempSubdirectory("mnist-ok");
        try
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, "img"), Idx(0x803, [2, 2, 2], [0, 255, 51, 0, 255, 255, 0, 0]));
            File.WriteAllBytes(Path.Combine(dir.FullName, "lbl"), Idx(0x801, [2], [3, 9]));
            var d = MnistLoader.Load(Path.Combine(dir.FullName, "img"), Path.Combine(dir.FullName, "lbl"), MnistLayout.Image);
            Assert.Equal([1, 2, 2], d.SampleShape);
            Assert.Equal([0f, 1f, 0.2f, 0f, 1f, 1f, 0f, 0f], d.Features);
            Assert.Equal([3L, 9], d.Labels!);
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData(0x0803, new[] { 2, 2, 2 }, 8, "magic")]          // images magic in the labels file
    [InlineData(0x0801, new[] { 3 }, 2, "need 3 data bytes")]  // count larger than the data
    public void RejectsCorruptLabelFiles(int magic, int[] dims, int dataBytes, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("mnist-bad");
        try
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, "img"), Idx(0x803, [2, 2, 2], new byte[8]));
            File.WriteAllBytes(Path.Combine(dir.FullName, "lbl"), Idx(magic, dims, new byte[dataBytes]));
            var ex = Assert.Throws<IdxFormatException>(() =>
                MnistLoader.Load(Path.Combine(dir.FullName, "img"), Path.Combine(dir.FullName, "lbl"), MnistLayout.Flat));
            Assert.Contains(expected, ex.Message);
            Assert.Contains("lbl", ex.Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void RejectsCorruptedImageHeaderAndMismatchedCounts()
    {
        var dir = Directory.CreateTempSubdirectory("mnist-bad");
        try
        {
            string img = Path.Combine(dir.FullName, "img"), lbl = Path.Combine(dir.FullName, "lbl");
            File.WriteAllBytes(lbl, Idx(0x801, [2], [1, 2]));
            File.WriteAllBytes(img, Idx(0x1803, [2, 2, 2], new byte[8]));
            Assert.Contains("magic", Assert.Throws<IdxFormatException>(() => MnistLoader.Load(img, lbl, MnistLayout.Flat)).Message);
            File.WriteAllBytes(img, [0, 0, 8, 3, 0]);
            Assert.Contains("too short", Assert.Throws<IdxFormatException>(() => MnistLoader.Load(img, lbl, MnistLayout.Flat)).Message);
            File.WriteAllBytes(img, Idx(0x803, [3, 2, 2], new byte[12]));
            Assert.Contains("3 images", Assert.Throws<IdxFormatException>(() => MnistLoader.Load(img, lbl, MnistLayout.Flat)).Message);
            File.WriteAllBytes(img, Idx(0x803, [2, 2, 2], new byte[8]));
            File.WriteAllBytes(lbl, Idx(0x801, [2], [1, 10]));
            Assert.Contains("not a digit", Assert.Throws<IdxFormatException>(() => MnistLoader.Load(img, lbl, MnistLayout.Flat)).Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void FindDirectoryLocatesTheNpmPackage()
    {
        string dir = MnistLoader.FindDirectory();
        Assert.True(File.Exists(Path.Combine(dir, "t10k-labels-idx1-ubyte")));
    }

    [Fact]
    public void FindDirectoryWalksUpFromAStartDirectory()
    {
        var root = Directory.CreateTempSubdirectory("repo");
        try
        {
            string data = Path.Combine(root.FullName, MnistLoader.RelativePackagePath);
            Directory.CreateDirectory(data);
            File.WriteAllBytes(Path.Combine(data, "train-images-idx3-ubyte"), []);
            string deep = Directory.CreateDirectory(Path.Combine(root.FullName, "a", "b", "c")).FullName;
            Assert.Equal(Path.GetFullPath(data), Path.GetFullPath(MnistLoader.FindDirectory(null, deep)));
            // The environment variable wins over the walk.
            Assert.Equal(deep, MnistLoader.FindDirectory(deep, deep));
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void FindDirectoryFailureTellsTheUserToFetchDeps()
    {
        var empty = Directory.CreateTempSubdirectory("no-mnist");
        try
        {
            var ex = Assert.Throws<DirectoryNotFoundException>(() => MnistLoader.FindDirectory(null, empty.FullName));
            Assert.Contains("bash scripts/fetch-deps.sh", ex.Message);
            Assert.Throws<DirectoryNotFoundException>(() => MnistLoader.FindDirectory(Path.Combine(empty.FullName, "missing"), empty.FullName));
        }
        finally { empty.Delete(true); }
    }
}
