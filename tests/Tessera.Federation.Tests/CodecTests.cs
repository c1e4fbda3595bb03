using Tessera.Federation.Codecs;

namespace Tessera.Federation.Tests;

public class CodecTests
{
    /// <summary>Values spanning several orders of magnitude and both signs.</summary>
    private static float[] Spread(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = (float)((rng.NextDouble() < 0.5 ? -1 : 1) * Math.Pow(10, rng.NextDouble() * 6 - 3));
        return x;
    }

    private static void AssertRelativeError(float[] original, float[] decoded, double bound)
    {
        for (int i = 0; i < original.Length; i++)
        {
            double rel = Math.Abs(decoded[i] - original[i]) / Math.Abs(original[i]);
            Assert.True(rel <= bound, $"Element {i}: {original[i]} → {decoded[i]} (relative error {rel} > {bound}).");
        }
    }

    [Fact]
    public void Float16_round_trip_is_within_half_an_ulp()
    {
        var codec = new Float16Codec();
        var x = Spread(5000, 1);
        var encoded = (HalfVector)codec.Encode(x);
        Assert.Equal(x.Length, encoded.Values.Length);
        AssertRelativeError(x, codec.Decode(encoded), Math.Pow(2, -11));
    }

    [Fact]
    public void Float16_overflow_becomes_infinity()
    {
        var codec = new Float16Codec();
        Assert.True(float.IsPositiveInfinity(codec.Decode(codec.Encode([70000f]))[0]));
    }

    [Fact]
    public void BFloat16_round_trip_is_within_half_an_ulp_and_keeps_specials()
    {
        var codec = new BFloat16Codec();
        var x = Spread(5000, 2);
        AssertRelativeError(x, codec.Decode(codec.Encode(x)), Math.Pow(2, -8));

        var special = codec.Decode(codec.Encode([float.NaN, float.PositiveInfinity, 1e30f, -0f]));
        Assert.True(float.IsNaN(special[0]));
        Assert.True(float.IsPositiveInfinity(special[1]));
        Assert.True(Math.Abs(special[2] - 1e30) / 1e30 <= Math.Pow(2, -8));
        Assert.True(float.IsNegative(special[3]) && special[3] == 0);
    }

    [Fact]
    public void BFloat16_rounds_ties_to_even()
    {
        var codec = new BFloat16Codec();
        float ulp = MathF.Pow(2, -7); // bf16 spacing just above 1
        // 1 + ulp/2 ties between 1 (even) and 1 + ulp (odd): goes to 1.
        // 1 + 3·ulp/2 ties between 1 + ulp (odd) and 1 + 2ulp (even): goes up.
        var decoded = codec.Decode(codec.Encode([1 + ulp / 2, 1 + 3 * ulp / 2, 1 + ulp * 0.6f]));
        Assert.Equal(1f, decoded[0]);
        Assert.Equal(1 + 2 * ulp, decoded[1]);
        Assert.Equal(1 + ulp, decoded[2]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Int8_error_is_at_most_half_a_step(int chunkSize)
    {
        var codec = new Int8Codec(chunkSize);
        var x = Spread(3001, 3);
        var encoded = (Int8Vector)codec.Encode(x);
        var decoded = codec.Decode(encoded);

        int chunk = encoded.ChunkSize;
        Assert.Equal((x.Length + chunk - 1) / chunk, encoded.Scales.Length);
        for (int i = 0; i < x.Length; i++)
        {
            float scale = encoded.Scales[i / chunk];
            Assert.True(Math.Abs(decoded[i] - x[i]) <= scale / 2 * 1.0001 + 1e-12,
                $"Element {i}: {x[i]} → {decoded[i]}, scale {scale}.");
        }
        // The largest magnitude in each chunk uses the full code range.
        Assert.Contains(encoded.Values, q => q == 127 || q == -127);
    }

    [Fact]
    public void Int8_per_chunk_scales_beat_per_tensor_on_mixed_magnitudes()
    {
        var x = new float[256];
        for (int i = 0; i < 128; i++) x[i] = 1000f * MathF.Sin(i);      // big half
        for (int i = 128; i < 256; i++) x[i] = 0.01f * MathF.Cos(i);    // tiny half

        double Error(Int8Codec c)
        {
            var d = c.Decode(c.Encode(x));
            return Enumerable.Range(128, 128).Max(i => Math.Abs(d[i] - x[i]));
        }

        // Per-tensor rounds the tiny half to 0 (error ~0.01); per-chunk error is ≤ 0.01/254.
        Assert.True(Error(new Int8Codec(128)) < Error(new Int8Codec(0)) / 100);
    }

    [Fact]
    public void Int8_handles_zero_chunks_and_rejects_non_finite()
    {
        var codec = new Int8Codec(4);
        var decoded = codec.Decode(codec.Encode([0f, 0f, 0f, 0f, 1f, -2f]));
        Approx.Equal([0.0, 0.0, 0.0, 0.0, 1.0, -2.0], decoded, 2.0 / 127 / 2 + 1e-7);
        Assert.Throws<ArgumentException>(() => codec.Encode([1f, float.NaN]));
    }

    [Fact]
    public void TopK_keeps_exactly_the_k_largest_magnitudes()
    {
        var x = Spread(2000, 4);
        var codec = new TopKCodec(50);
        var encoded = (SparseVector)codec.Encode(x);

        var expected = Enumerable.Range(0, x.Length).OrderByDescending(i => Math.Abs(x[i])).Take(50).Order().ToArray();
        Assert.Equal(expected, encoded.Indices);
        Assert.Equal(expected.Select(i => x[i]), encoded.Values);

        var decoded = codec.Decode(encoded);
        var kept = expected.ToHashSet();
        for (int i = 0; i < x.Length; i++)
            Assert.Equal(kept.Contains(i) ? x[i] : 0f, decoded[i]);
    }

    [Fact]
    public void TopK_with_k_at_least_length_is_lossless()
    {
        var codec = new TopKCodec(10);
        float[] x = [3f, -1f, 0f, 2f];
        Assert.Equal(x, codec.Decode(codec.Encode(x)));
        Assert.Empty(((SparseVector)new TopKCodec(0).Encode(x)).Indices);
    }

    [Fact]
    public void Decoding_the_wrong_kind_or_size_is_refused()
    {
        var half = new Float16Codec().Encode([1f, 2f]);
        Assert.Throws<ArgumentException>(() => new Int8Codec().Decode(half));
        Assert.Throws<ArgumentException>(() => new Float16Codec().DecodeInto(half, new float[3]));
        Assert.Throws<ArgumentException>(() => new TopKCodec(1).Decode(new SparseVector(2, [5], [1f])));
    }
}
