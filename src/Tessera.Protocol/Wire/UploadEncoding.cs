namespace Tessera.Protocol.Wire;

/// <summary>
/// What a task tells the worker about encoding its update. A compressed update is still one safetensors file:
/// int8 sends, per parameter, an I8 tensor shaped like the parameter plus `name:scales` (F32, one per block);
/// top-k sends `name:indices` (I32, ascending flat indices into the parameter) and `name:values` (F32). The file's
/// fp16 and bf16 send each parameter as one F16 or BF16 tensor shaped like it (half the bytes of F32). The file's
/// metadata says `encoding`. Null on a task means a dense F32 update.
/// </summary>
public sealed record UploadEncoding
{
    public const string F32 = "f32";
    public const string Int8 = "int8";
    public const string TopK = "topk";
    public const string Fp16 = "fp16";
    public const string Bf16 = "bf16";
    public static readonly string[] Codecs = [F32, Fp16, Bf16, Int8, TopK];

    /// <summary>Transport compression of the whole body (HTTP Content-Encoding), on top of the codec.</summary>
    public const string Gzip = "gzip";
    public const string NoCompression = "none";
    public static readonly string[] Compressions = [NoCompression, Gzip];

    public const string MetadataKey = "encoding";
    public const string ScalesSuffix = ":scales";
    public const string IndicesSuffix = ":indices";
    public const string ValuesSuffix = ":values";

    public string Codec { get; init; } = F32;
    /// <summary>int8: values per scale; 0 means one scale for the whole tensor.</summary>
    public int BlockSize { get; init; }
    /// <summary>int8: bits per code, 2..8 (0 means 8): codes lie in ±(2^(bits−1) − 1), still one I8 each on the wire,
    /// so fewer levels cost no bytes by themselves but make the codes far more compressible by gzip.</summary>
    public int Bits { get; init; }
    /// <summary>The largest int8 code magnitude a worker may send: 127 at 8 bits, 31 at 6.</summary>
    public static int MaxCode(int bits) => (1 << ((bits is >= 2 and <= 8 ? bits : 8) - 1)) - 1;
    /// <summary>"gzip": the worker sends the file with Content-Encoding: gzip; null sends it as is.</summary>
    public string? Compression { get; init; }
    /// <summary>topk: share of each tensor's entries to send; k = ⌈fraction × size⌉ (at least 1).</summary>
    public double Fraction { get; init; }

    /// <summary>The one dtype every tensor of a dense update in this codec must have: F32, or F16/BF16 for fp16/bf16.</summary>
    public static SafetensorsDType DenseDType(string? codec) => codec switch
    {
        Fp16 => SafetensorsDType.F16,
        Bf16 => SafetensorsDType.BF16,
        _ => SafetensorsDType.F32,
    };

    /// <summary>fp16 and bf16 are dense: one tensor per parameter, in a narrower float.</summary>
    public bool IsHalfPrecision => Codec is Fp16 or Bf16;

    /// <summary>f32, fp16 and bf16 send one parameter-shaped tensor per parameter; int8 and top-k send their own tensors.</summary>
    public bool IsDense => Codec is F32 or Fp16 or Bf16;

    /// <summary>The k a worker sends for a tensor of this many entries, and the most the coordinator accepts.</summary>
    public static int KFor(long elements, double fraction) =>
        elements == 0 ? 0 : (int)Math.Clamp(Math.Ceiling(fraction * elements), 1, elements);

    /// <summary>Number of int8 scales for a tensor of this many entries.</summary>
    public static int BlocksFor(long elements, int blockSize) =>
        elements == 0 ? 0 : blockSize <= 0 ? 1 : (int)((elements + blockSize - 1) / blockSize);

    /// <summary>The element count each int8 scale covers (the whole tensor when blockSize is 0).</summary>
    public static int ChunkFor(long elements, int blockSize) => blockSize <= 0 ? (int)Math.Max(elements, 1) : blockSize;
}
