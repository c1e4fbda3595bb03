using SkiaSharp;
using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>
/// Decodes one PNG or JPEG with SkiaSharp, resizes it, and writes it as normalised floats in CHW layout (as
/// PyTorch's ToTensor + Normalize): value = (byte / 255 - mean[c]) / std[c]. Gray is ITU-R 601 luma, as PIL's "L".
/// </summary>
public sealed class ImageDecoder
{
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    private readonly float[] _mean;
    private readonly float[] _std;

    public ImageDecoder(int height, int width, int channels, IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        if (height <= 0 || width <= 0 || (long)height * width > 1 << 26)
            throw new DatasetFormatException($"image size [{height}, {width}] must be positive and at most 2^26 pixels");
        if (channels is not (1 or 3))
            throw new DatasetFormatException($"channels is {channels}; images have 1 (gray) or 3 (rgb)");
        (Height, Width, Channels) = (height, width, channels);
        _mean = PerChannel(mean, 0f, "mean");
        _std = PerChannel(std, 1f, "std");
        if (_std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new DatasetFormatException($"std [{string.Join(", ", _std)}] must be positive");
    }

    public int SampleSize => Channels * Height * Width;

    /// <summary>The size of an encoded image without decoding its pixels; throws naming <paramref name="name"/> when unreadable.</summary>
    public static (int Height, int Width) Probe(byte[] encoded, string name)
    {
        using var codec = Open(encoded, name);
        return (codec.Info.Height, codec.Info.Width);
    }

    /// <summary>A codec for the bytes; SkiaSharp answers unknown bytes with null (or, from some entry points, ArgumentNullException).</summary>
    private static SKCodec Open(byte[] encoded, string name)
    {
        var codec = SKCodec.Create(new SKMemoryStream(encoded));
        if (codec is null || codec.Info.Width <= 0 || codec.Info.Height <= 0)
        {
            codec?.Dispose();
            throw new DatasetFormatException($"{name}: not a PNG or JPEG image SkiaSharp can decode");
        }
        return codec;
    }

    /// <summary>Decodes <paramref name="encoded"/> into <paramref name="destination"/> (<see cref="SampleSize"/> floats).</summary>
    public void Decode(byte[] encoded, string name, Span<float> destination)
    {
        using var codec = Open(encoded, name);
        using var decoded = SKBitmap.Decode(codec);
        if (decoded is null || decoded.Width <= 0 || decoded.Height <= 0)
            throw new DatasetFormatException($"{name}: not a PNG or JPEG image SkiaSharp can decode");
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var rgba = decoded.Width == Width && decoded.Height == Height && decoded.ColorType == SKColorType.Rgba8888
            ? decoded.Copy()
            : Resize(decoded, info, name);
        ReadOnlySpan<byte> px = rgba.GetPixelSpan();
        int plane = Width * Height;
        for (int p = 0; p < plane; p++)
        {
            byte r = px[4 * p], g = px[4 * p + 1], b = px[4 * p + 2];
            if (Channels == 1)
                destination[p] = ((0.299f * r + 0.587f * g + 0.114f * b) / 255f - _mean[0]) / _std[0];
            else
            {
                destination[p] = (r / 255f - _mean[0]) / _std[0];
                destination[plane + p] = (g / 255f - _mean[1]) / _std[1];
                destination[2 * plane + p] = (b / 255f - _mean[2]) / _std[2];
            }
        }
    }

    private static SKBitmap Resize(SKBitmap decoded, SKImageInfo info, string name)
    {
        // Convert to unpremultiplied RGBA first so resizing and reading see one pixel layout.
        using var converted = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!decoded.CopyTo(converted, SKColorType.Rgba8888))
            throw new DatasetFormatException($"{name}: could not convert the image to RGBA");
        return converted.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new DatasetFormatException($"{name}: could not resize the image to [{info.Height}, {info.Width}]");
    }

    private float[] PerChannel(IReadOnlyList<float>? values, float fallback, string what)
    {
        if (values is null || values.Count == 0) return Enumerable.Repeat(fallback, Channels).ToArray();
        if (values.Count == 1) return Enumerable.Repeat(values[0], Channels).ToArray();
        if (values.Count != Channels)
            throw new DatasetFormatException($"{what} has {values.Count} values for {Channels} channels");
        if (values.Any(v => !float.IsFinite(v)))
            throw new DatasetFormatException($"{what} [{string.Join(", ", values)}] must be finite");
        return values.ToArray();
    }
}
