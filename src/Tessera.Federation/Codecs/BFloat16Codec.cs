using System.Runtime.InteropServices;
using Tessera.Protocol;

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
        EncodeBits(values, bits);
        return new BFloat16Vector(values.Length, bits);
    }

    public void DecodeInto(EncodedVector encoded, Span<float> destination)
    {
        var typed = UpdateCodecExtensions.Expect<BFloat16Vector>(encoded, destination);
        DecodeBits(typed.Bits, destination);
    }

    /// <summary>Widens bfloat16 bit patterns (straight from a wire buffer) into floats: the bits become the top half.</summary>
    public static void DecodeBits(ReadOnlySpan<ushort> bits, Span<float> destination)
    {
        if (destination.Length != bits.Length)
            throw new ArgumentException($"Destination has {destination.Length} elements, the source {bits.Length}.", nameof(destination));
        var words = MemoryMarshal.Cast<float, uint>(destination);
        for (int i = 0; i < bits.Length; i++) words[i] = (uint)bits[i] << 16;
    }

    /// <summary>Narrows floats to bfloat16 bit patterns (round to nearest even), e.g. straight into a wire buffer.</summary>
    public static void EncodeBits(ReadOnlySpan<float> values, Span<ushort> destination)
    {
        if (destination.Length != values.Length)
            throw new ArgumentException($"Destination has {destination.Length} elements, the source {values.Length}.", nameof(destination));
        for (int i = 0; i < values.Length; i++) destination[i] = HalfPrecision.FloatToBF16Bits(values[i]);
    }
}
