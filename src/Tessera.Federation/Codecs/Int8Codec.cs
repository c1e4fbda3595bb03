using System.Numerics.Tensors;

namespace Tessera.Federation.Codecs;

/// <summary>
/// Symmetric int8 quantization, scale = max|x|/127 per chunk, q = round(x/scale) ∈ [−127, 127].
/// Absolute error per element ≤ scale/2. Smaller chunks track local magnitude better at the
/// cost of one float scale each; chunkSize 0 means one scale for the whole vector (per-tensor:
/// encode each tensor's slice separately).
/// </summary>
public sealed class Int8Codec : IUpdateCodec
{
    /// <param name="maxCode">Largest code magnitude: 127 uses all of int8; 31 (6 bits) or 7 (4 bits) trade precision
    /// for codes that compress well.</param>
    public Int8Codec(int chunkSize = 0, int maxCode = 127)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunkSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCode, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCode, 127);
        ChunkSize = chunkSize;
        MaxCode = maxCode;
    }

    public int ChunkSize { get; }
    public int MaxCode { get; }

    public EncodedVector Encode(ReadOnlySpan<float> values)
    {
        if (!TensorPrimitives.IsFiniteAll(values))
            throw new ArgumentException("Cannot quantize non-finite values.", nameof(values));
        int chunk = EffectiveChunk(values.Length);
        int chunks = values.Length == 0 ? 0 : (values.Length + chunk - 1) / chunk;
        var scales = new float[chunks];
        var quantized = new sbyte[values.Length];
        var scratch = new float[Math.Min(chunk, values.Length)];

        for (int c = 0; c < chunks; c++)
        {
            int start = c * chunk;
            var source = values.Slice(start, Math.Min(chunk, values.Length - start));
            var work = scratch.AsSpan(0, source.Length);
            float maxAbs = MathF.Abs(TensorPrimitives.MaxMagnitude(source));
            if (maxAbs == 0)
                continue; // scale 0 and all-zero codes already
            float scale = maxAbs / MaxCode;
            scales[c] = scale;
            TensorPrimitives.Divide(source, scale, work);
            TensorPrimitives.Round(work, MidpointRounding.ToEven, work);
            TensorPrimitives.Clamp(work, -MaxCode, MaxCode, work);
            TensorPrimitives.ConvertSaturating<float, sbyte>(work, quantized.AsSpan(start, source.Length));
        }
        return new Int8Vector(values.Length, chunk, scales, quantized);
    }

    public void DecodeInto(EncodedVector encoded, Span<float> destination)
    {
        var typed = UpdateCodecExtensions.Expect<Int8Vector>(encoded, destination);
        int expectedScales = typed.Length == 0 ? 0 : (typed.Length + typed.ChunkSize - 1) / Math.Max(typed.ChunkSize, 1);
        if (typed.ChunkSize <= 0 || typed.Values.Length != typed.Length || typed.Scales.Length != expectedScales)
            throw new ArgumentException("Malformed int8 vector: chunk size, value count and scale count disagree.", nameof(encoded));
        DecodeBlocks(typed.Values, typed.Scales, typed.ChunkSize, destination);
    }

    /// <summary>
    /// Dequantizes straight from wire buffers (no intermediate vector): element i = values[i]·scales[i / chunkSize].
    /// The caller has checked that scales holds ⌈values.Length / chunkSize⌉ entries.
    /// </summary>
    public static void DecodeBlocks(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, int chunkSize, Span<float> destination)
    {
        for (int c = 0; c < scales.Length; c++)
        {
            int start = c * chunkSize;
            int length = Math.Min(chunkSize, values.Length - start);
            var target = destination.Slice(start, length);
            TensorPrimitives.ConvertTruncating<sbyte, float>(values.Slice(start, length), target);
            TensorPrimitives.Multiply(target, scales[c], target);
        }
    }

    private int EffectiveChunk(int length) => ChunkSize == 0 ? Math.Max(length, 1) : ChunkSize;
}
