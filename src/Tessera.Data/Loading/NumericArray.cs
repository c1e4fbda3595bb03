namespace Tessera.Data.Loading;

/// <summary>
/// An n-dimensional array read from a user's file (npy, npz, safetensors), with its values as floats or, for
/// integer and boolean element types, as exact integers.
/// </summary>
/// <param name="Name">The file and key it came from, for messages ("data/train.npz: x").</param>
public sealed record NumericArray(string Name, long[] Shape, float[]? Floats, long[]? Integers)
{
    public bool IsInteger => Integers is not null;
    public long Length => Floats?.LongLength ?? Integers!.LongLength;

    /// <summary>The values as floats (integers converted).</summary>
    public float[] ToFloats() => Floats ?? Array.ConvertAll(Integers!, v => (float)v);
}
