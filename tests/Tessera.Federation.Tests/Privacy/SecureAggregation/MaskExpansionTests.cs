using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

public class MaskExpansionTests
{
    [Fact]
    public void The_keystream_is_AES_256_of_a_big_endian_counter_from_zero_read_little_endian()
    {
        // AES-256 with the all-zero key encrypts the all-zero block to dc95c078a2408989ad48a21492842087 (a standard known answer).
        var words = MaskExpansion.Keystream(new byte[32], 5);
        Assert.Equal([0x78c095dcu, 0x898940a2u, 0x14a248adu, 0x87208492u], words[..4]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16_384)]
    [InlineData(50_001)]
    public void Chunked_parallel_expansion_equals_the_plain_keystream(int words)
    {
        var k1 = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var k2 = Enumerable.Range(0, 32).Select(i => (byte)(3 * i + 1)).ToArray();
        var start = Enumerable.Range(0, words).Select(i => (uint)i * 2654435761u).ToArray();
        var got = (uint[])start.Clone();
        MaskExpansion.Apply(got, [new MaskTerm(k1, false), new MaskTerm(k2, true)]);
        var s1 = MaskExpansion.Keystream(k1, words);
        var s2 = MaskExpansion.Keystream(k2, words);
        for (int i = 0; i < words; i++) Assert.Equal(start[i] + s1[i] - s2[i], got[i]);
        MaskExpansion.Apply(got, [new MaskTerm(k2, false), new MaskTerm(k1, true)]);
        Assert.Equal(start, got);
    }
}
