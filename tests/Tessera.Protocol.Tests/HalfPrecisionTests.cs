using Tessera.Protocol;

namespace Tessera.Protocol.Tests;

public class HalfPrecisionTests
{
    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(0.0f, (ushort)0x0000)]
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    public void BF16ExactValues(float value, ushort bits)
    {
        Assert.Equal(bits, HalfPrecision.FloatToBF16Bits(value));
        Assert.Equal(value, HalfPrecision.BF16BitsToFloat(bits));
    }

    [Fact]
    public void BF16RoundsToNearestEven()
    {
        // 1 + 2^-8 lies exactly halfway between bf16 1.0 (0x3F80) and 0x3F81: ties go to the even one.
        Assert.Equal((ushort)0x3F80, HalfPrecision.FloatToBF16Bits(BitConverter.UInt32BitsToSingle(0x3F808000)));
        // 0x3F818000 is halfway between 0x3F81 and 0x3F82: the even one is 0x3F82.
        Assert.Equal((ushort)0x3F82, HalfPrecision.FloatToBF16Bits(BitConverter.UInt32BitsToSingle(0x3F818000)));
        // Just above halfway rounds up.
        Assert.Equal((ushort)0x3F81, HalfPrecision.FloatToBF16Bits(BitConverter.UInt32BitsToSingle(0x3F808001)));
        // Just below halfway rounds down.
        Assert.Equal((ushort)0x3F80, HalfPrecision.FloatToBF16Bits(BitConverter.UInt32BitsToSingle(0x3F807FFF)));
    }

    [Fact]
    public void BF16KeepsNaN()
    {
        // A NaN whose payload lives only in the low bits would become infinity if merely truncated.
        float nan = BitConverter.UInt32BitsToSingle(0x7F800001);
        Assert.True(float.IsNaN(HalfPrecision.BF16BitsToFloat(HalfPrecision.FloatToBF16Bits(nan))));
    }

    [Fact]
    public void F16MatchesIeeeHalf()
    {
        Assert.Equal((ushort)0x3C00, HalfPrecision.FloatToF16Bits(1f));
        Assert.Equal((ushort)0xC000, HalfPrecision.FloatToF16Bits(-2f));
        Assert.Equal((ushort)0x7C00, HalfPrecision.FloatToF16Bits(1e6f)); // overflows to +inf
        Assert.Equal(65504f, HalfPrecision.F16BitsToFloat(0x7BFF));
    }
}
