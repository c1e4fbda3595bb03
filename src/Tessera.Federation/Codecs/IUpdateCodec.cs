namespace Tessera.Federation.Codecs;

/// <summary>
/// Lossy compression of a flat update for upload. Pure: no I/O, the encoded record is the
/// payload. Decoders write into a caller buffer so the server can reuse one scratch array.
/// </summary>
public interface IUpdateCodec
{
    EncodedVector Encode(ReadOnlySpan<float> values);

    void DecodeInto(EncodedVector encoded, Span<float> destination);
}

public static class UpdateCodecExtensions
{
    public static float[] Decode(this IUpdateCodec codec, EncodedVector encoded)
    {
        var result = new float[encoded.Length];
        codec.DecodeInto(encoded, result);
        return result;
    }

    internal static T Expect<T>(EncodedVector encoded, Span<float> destination) where T : EncodedVector
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (encoded is not T typed)
            throw new ArgumentException($"Expected {typeof(T).Name}, got {encoded.GetType().Name}.", nameof(encoded));
        if (destination.Length != encoded.Length)
            throw new ArgumentException($"Destination has {destination.Length} elements, encoded vector has {encoded.Length}.", nameof(destination));
        return typed;
    }
}
