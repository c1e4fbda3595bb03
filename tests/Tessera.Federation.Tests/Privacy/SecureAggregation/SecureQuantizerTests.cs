using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

public class SecureQuantizerTests
{
    [Theory]
    [InlineData(16, 1, 17)]
    [InlineData(16, 2, 18)]
    [InlineData(16, 100, 24)]
    [InlineData(16, 1000, 27)]
    [InlineData(20, 1024, 31)]
    public void Bits_cover_the_sum_of_n_inputs_and_a_guard_bit(int q, int n, int b) => Assert.Equal(b, new SecureQuantizer(1, q, n).Bits);

    [Fact]
    public void Bits_beyond_32_are_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => new SecureQuantizer(1, 24, 1000));

    [Theory]
    [InlineData(10, 8)]
    [InlineData(100, 12)]
    [InlineData(1000, 16)]
    public void A_decoded_sum_is_within_n_steps_of_the_float_sum(int n, int q)
    {
        const int d = 2000;
        var quantizer = new SecureQuantizer(0.5, q, n);
        var floats = new double[d];
        var sum = new uint[d];
        var word = new uint[d];
        var random = new Random(n);
        for (int c = 0; c < n; c++)
        {
            var x = Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            for (int i = 0; i < d; i++) floats[i] += x[i];
            quantizer.Quantize(x, word, random);
            for (int i = 0; i < d; i++) sum[i] += word[i];
        }
        Assert.True(sum.Max() < 1u << quantizer.Bits - 1, "the guard bit stays clear");
        var decoded = new float[d];
        quantizer.Dequantize(sum, n, decoded);
        double bound = quantizer.ErrorBound(n), worst = 0, mean = 0;
        for (int i = 0; i < d; i++)
        {
            double e = decoded[i] - floats[i];
            worst = Math.Max(worst, Math.Abs(e));
            mean += e / d;
        }
        Assert.True(worst <= bound + 1e-4 * n, $"worst error {worst} exceeds the bound {bound}");
        // Stochastic rounding is unbiased: the mean error is far below one step.
        Assert.True(Math.Abs(mean) < quantizer.Step * Math.Sqrt(n) / 10, $"mean error {mean} is biased (step {quantizer.Step})");
    }

    [Fact]
    public void Values_outside_the_range_are_clipped_and_NaN_is_refused()
    {
        var quantizer = new SecureQuantizer(1, 8, 4);
        var words = new uint[3];
        quantizer.Quantize([-5f, 5f, float.PositiveInfinity], words, new Random(1));
        Assert.Equal([0u, 255u, 255u], words);
        var decoded = new float[3];
        quantizer.Dequantize(words, 1, decoded);
        Assert.Equal([-1f, 1f, 1f], decoded);
        Assert.Throws<ArgumentException>(() => quantizer.Quantize([float.NaN], words, new Random(1)));
    }

    [Fact]
    public void Integer_lanes_sum_exactly()
    {
        const int n = 50;
        var quantizer = new SecureQuantizer(1, 16, n);
        Assert.True(quantizer.MaxLane >= 1u << 17);
        ulong total = 0;
        uint sum = 0;
        for (int c = 0; c < n; c++)
        {
            uint samples = quantizer.MaxLane - (uint)c;
            total += samples;
            sum += samples;
        }
        Assert.True(total < 1ul << quantizer.Bits);
        Assert.Equal(total, sum & SecureQuantizer.Mask(quantizer.Bits));
    }
}
