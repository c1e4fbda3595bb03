using System.Buffers.Binary;

namespace Tessera.Protocol;

/// <summary>Conversions between float and the 16-bit float encodings (IEEE F16 and bfloat16).</summary>
public static class HalfPrecision
{
    public static ushort FloatToF16Bits(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    public static float F16BitsToFloat(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>Top 16 bits of the float, rounded to nearest even; NaN stays a (quiet) NaN.</summary>
    public static ushort FloatToBF16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            // Keep sign, force a mantissa bit so truncation cannot turn NaN into infinity.
            return (ushort)((bits >> 16) | 0x0040);
        uint lsb = (bits >> 16) & 1;
        uint rounded = bits + 0x7FFF + lsb;
        return (ushort)(rounded >> 16);
    }

    public static float BF16BitsToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Decodes little-endian F16 bytes into floats.</summary>
    public static float[] DecodeF16(ReadOnlySpan<byte> data)
    {
        var result = new float[data.Length / 2];
        for (int i = 0; i < result.Length; i++)
            result[i] = F16BitsToFloat(BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(2 * i, 2)));
        return result;
    }

    /// <summary>Decodes little-endian BF16 bytes into floats.</summary>
    public static float[] DecodeBF16(ReadOnlySpan<byte> data)
    {
        var result = new float[data.Length / 2];
        for (int i = 0; i < result.Length; i++)
            result[i] = BF16BitsToFloat(BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(2 * i, 2)));
        return result;
    }

    public static byte[] EncodeF16(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i, 2), FloatToF16Bits(values[i]));
        return bytes;
    }

    public static byte[] EncodeBF16(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i, 2), FloatToBF16Bits(values[i]));
        return bytes;
    }
}
