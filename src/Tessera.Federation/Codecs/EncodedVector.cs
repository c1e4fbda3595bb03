namespace Tessera.Federation.Codecs;

/// <summary>A compressed flat update; Length is the decoded element count.</summary>
public abstract record EncodedVector(int Length);

/// <summary>IEEE half precision, one per element (2 bytes).</summary>
public sealed record HalfVector(int Length, Half[] Values) : EncodedVector(Length);

/// <summary>bfloat16 bit patterns (upper 16 bits of the float), one per element (2 bytes).</summary>
public sealed record BFloat16Vector(int Length, ushort[] Bits) : EncodedVector(Length);

/// <summary>Symmetric int8: element i decodes to Values[i]·Scales[i / ChunkSize].</summary>
public sealed record Int8Vector(int Length, int ChunkSize, float[] Scales, sbyte[] Values) : EncodedVector(Length);

/// <summary>Sparse form: only Indices (ascending) carry Values; everything else decodes to 0.</summary>
public sealed record SparseVector(int Length, int[] Indices, float[] Values) : EncodedVector(Length);
