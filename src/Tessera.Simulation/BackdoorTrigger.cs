using System.Numerics.Tensors;
using Tessera.Data;

namespace Tessera.Simulation;

/// <summary>
/// The backdoor's pixel pattern (Bagdasaryan et al. 2020): a white square of side <see cref="Size"/> in the bottom-right
/// corner of every channel. Samples of shape [.., H, W] are images; a flat sample of square length (MNIST's 784) is read
/// as a square image; any other flat sample gets its last Size² values set. White is the largest feature value of the
/// training set, so the trigger stays in the data's range whatever its normalization.
/// </summary>
public sealed class BackdoorTrigger
{
    readonly int[] _offsets;   // positions within one sample

    public BackdoorTrigger(IReadOnlyList<int> sampleShape, int size, float white)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        White = white;
        int length = sampleShape.Aggregate(1, (a, b) => a * b);
        int side = (int)Math.Round(Math.Sqrt(length));
        (int channels, int h, int w) = sampleShape.Count >= 2
            ? (length / (sampleShape[^1] * sampleShape[^2]), sampleShape[^2], sampleShape[^1])
            : side * side == length ? (1, side, side) : (0, 0, 0);
        if (channels == 0 || size > h || size > w)
        {
            _offsets = Enumerable.Range(Math.Max(0, length - size * size), Math.Min(length, size * size)).ToArray();
            return;
        }
        var offsets = new List<int>();
        for (int c = 0; c < channels; c++)
            for (int y = h - size; y < h; y++)
                for (int x = w - size; x < w; x++)
                    offsets.Add((c * h + y) * w + x);
        _offsets = offsets.ToArray();
    }

    public int Size { get; }
    public float White { get; }

    public static BackdoorTrigger For(Dataset train, int size) =>
        new(train.SampleShape, size, train.Features.Length == 0 ? 1f : TensorPrimitives.Max<float>(train.Features));

    /// <summary>Stamps the trigger onto sample <paramref name="index"/> of <paramref name="data"/>, in place.</summary>
    public void Stamp(Dataset data, int index)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sample = data.Features.AsSpan(index * data.SampleSize, data.SampleSize);
        foreach (int o in _offsets) sample[o] = White;
    }
}
