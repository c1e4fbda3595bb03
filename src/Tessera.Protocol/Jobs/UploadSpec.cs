using Tessera.Protocol.Wire;

namespace Tessera.Protocol.Jobs;

/// <summary>
/// How workers encode their update for upload (`upload:` in a job spec). The coordinator refuses any other
/// encoding for the job, so the bytes a job costs are set by its owner, not by each worker.
/// </summary>
public sealed record UploadSpec
{
    /// <summary>f32 (dense), fp16 or bf16 (dense, F16/BF16 tensors), int8 (I8 values + F32 scales) or topk (I32 indices + F32 values).</summary>
    public string Codec { get; init; } = "f32";
    /// <summary>topk: the share of each tensor's entries sent, in (0, 1]; k = ⌈fraction × size⌉ per tensor. Default 0.01.</summary>
    public double? Fraction { get; init; }
    /// <summary>int8: values per scale; 0 (the default) means one scale per tensor.</summary>
    public int? BlockSize { get; init; }
    /// <summary>int8: bits per code, 2..8 (default 8); fewer levels compress better under gzip.</summary>
    public int? Bits { get; init; }
    /// <summary>gzip: the whole update file is gzipped in transit (Content-Encoding: gzip); null (none) sends it as is.</summary>
    public string? Compression { get; init; }

    public const double DefaultFraction = 0.01;

    /// <summary>What a task tells its worker; null for dense F32 sent as is (the protocol's default).</summary>
    public UploadEncoding? ForTask()
    {
        string? compression = Compression;
        return Codec switch
        {
            UploadEncoding.Int8 => new UploadEncoding { Codec = UploadEncoding.Int8, BlockSize = BlockSize ?? 0, Bits = Bits is null or 8 ? 0 : Bits.Value, Compression = compression },
            UploadEncoding.TopK => new UploadEncoding { Codec = UploadEncoding.TopK, Fraction = Fraction ?? DefaultFraction, Compression = compression },
            _ when Codec != UploadEncoding.F32 || compression is not null => new UploadEncoding { Codec = Codec, Compression = compression },
            _ => null,
        };
    }
}
