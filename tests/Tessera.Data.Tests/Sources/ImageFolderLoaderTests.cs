using SkiaSharp;
using Tessera.Data.Sources;

namespace Tessera.Data.Tests.Sources;

public class ImageFolderLoaderTests
{
    private static SKColor Pattern(int x, int y) => new((byte)(10 * x), (byte)(100 + 20 * y), (byte)(200 - x - y));

    [Fact]
    public void PngDecodesExactlyIntoChannelsHeightWidth()
    {
        using var dir = new TempFolder();
        dir.Write("cat/a.png", TestFiles.Image(3, 2, Pattern, SKEncodedImageFormat.Png));
        var loaded = DatasetLoader.LoadDetailed(new DatasetSource(dir.Path), [3, 2, 3]);
        var d = loaded.Data;
        Assert.Equal(DatasetFormat.Images, loaded.Format);
        Assert.Equal([3, 2, 3], d.SampleShape);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
            {
                var c = Pattern(x, y);
                Assert.Equal(c.Red / 255f, d.Features[0 * 6 + y * 3 + x], 6);
                Assert.Equal(c.Green / 255f, d.Features[1 * 6 + y * 3 + x], 6);
                Assert.Equal(c.Blue / 255f, d.Features[2 * 6 + y * 3 + x], 6);
            }
    }

    [Fact]
    public void SortedClassFoldersGiveLabelsAndJpegDecodesClose()
    {
        using var dir = new TempFolder();
        // "b" sorts after "a", whatever order the files were written in.
        dir.Write("b/1.jpg", TestFiles.Image(8, 8, (_, _) => new SKColor(250, 10, 10), SKEncodedImageFormat.Jpeg));
        dir.Write("a/1.png", TestFiles.Image(8, 8, (_, _) => new SKColor(0, 0, 255), SKEncodedImageFormat.Png));
        dir.Write("a/2.jpeg", TestFiles.Image(8, 8, (_, _) => new SKColor(0, 255, 0), SKEncodedImageFormat.Jpeg));
        dir.Write("a/notes.txt", "not an image");
        var loaded = DatasetLoader.LoadDetailed(new DatasetSource(dir.Path, Size: [4, 4]));
        var d = loaded.Data;
        Assert.Equal(["a", "b"], loaded.ClassNames!);
        Assert.Equal([0L, 0, 1], d.Labels!);
        Assert.Equal([3, 4, 4], d.SampleShape);
        var red = d.Sample(2).ToArray();
        Assert.All(red.Take(16), v => Assert.InRange(v, 240 / 255f, 1f));
        Assert.All(red.Skip(16), v => Assert.InRange(v, 0f, 25 / 255f));
        Assert.All(d.Sample(1).ToArray().Skip(16).Take(16), v => Assert.InRange(v, 240 / 255f, 1f)); // green plane
    }

    [Fact]
    public void GrayAndNormalisation()
    {
        using var dir = new TempFolder();
        dir.Write("x/a.png", TestFiles.Image(2, 2, (_, _) => new SKColor(255, 255, 255), SKEncodedImageFormat.Png));
        var d = DatasetLoader.Load(new DatasetSource(dir.Path, Channels: 1, Mean: [0.5f], Std: [0.25f]), [1, 2, 2]);
        Assert.All(d.Features, v => Assert.Equal(2f, v, 4)); // (1 - 0.5) / 0.25
    }

    [Fact]
    public void ShapeMismatchAndBrokenImagesNameTheFile()
    {
        using var dir = new TempFolder();
        dir.Write("x/a.png", TestFiles.Image(4, 4, Pattern, SKEncodedImageFormat.Png));
        var ex = Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource(dir.Path, Size: [4, 4], Channels: 3), [1, 28, 28]));
        Assert.Equal($"{dir.Path}: images has sample shape [3, 4, 4] but the model takes [1, 28, 28]", ex.Message);
        string broken = dir.Write("x/b.png", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        Assert.Equal($"{broken}: not a PNG or JPEG image SkiaSharp can decode",
            Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource(dir.Path, Size: [4, 4]))).Message);
        dir.Write("empty/.keep", "");
        Assert.Contains("class folder has no PNG or JPEG images", Assert.Throws<DatasetFormatException>(() => DatasetLoader.Load(new DatasetSource(dir.Path))).Message);
    }

    [Fact]
    public void UnsetSizeAndChannelsFollowTheModelInput()
    {
        using var dir = new TempFolder();
        dir.Write("x/a.png", TestFiles.Image(10, 6, (_, _) => new SKColor(255, 255, 255), SKEncodedImageFormat.Png));
        var d = DatasetLoader.Load(new DatasetSource(dir.Path), [1, 28, 28]);
        Assert.Equal([1, 28, 28], d.SampleShape);
        Assert.All(d.Features, v => Assert.Equal(1f, v, 3));
        Assert.Equal([3, 6, 10], DatasetLoader.Load(new DatasetSource(dir.Path)).SampleShape);
    }
}
