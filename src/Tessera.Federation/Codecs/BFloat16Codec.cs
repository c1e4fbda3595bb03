namespace Tessera.Federation.Codecs;

/// <summary>
/// bfloat16: keeps float's 8-bit exponent (no overflow) and 7 mantissa bits, so relative error
/// ≤ 2⁻⁸ with round-to-nearest-even. Preferred over fp16 for updates with a wide range.
/// </summary>
public sealed class BFloat16Codec : IUpdateCodec
{
    public EncodedVector Encode(ReadOnlySpan<float> values)
    {
        var bits = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
            bits[i] = ToBFloat16(values[i]);
        return new BFloat16Vector(values.Length, bits);
    }

    public void DecodeInto(EncodedVector encoded, Span<float> destination)
    {
        var typed = UpdateCodecExtensions.Expect<BFloat16Vector>(encoded, destination);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = BitConverter.UInt32BitsToSingle((uint)typed.Bits[i] << 16);
    }

    private static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x0040); // keep it a (quiet) NaN after truncation
        // Round to nearest, ties to even, by adding just under half an ulp of the kept part.
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
