using Tessera.Protocol.Wire;

namespace Tessera.Protocol.Jobs;

/// <summary>Reads the `upload:` section; a setting that does not apply to the chosen codec is an error, not ignored.</summary>
internal static class UploadSpecReader
{
    public static UploadSpec Read(SpecReader u)
    {
        var spec = new UploadSpec
        {
            Codec = u.String("codec", UploadEncoding.F32, UploadEncoding.Codecs)!,
            Fraction = u.Double("fraction", null, 0, 1, exclusiveMin: true),
            BlockSize = u.Int("block_size", null, 0, 1 << 24),
            Bits = u.Int("bits", null, 2, 8),
            // "none" is stored as absent, so specs written before compression existed keep their digest.
            Compression = u.String("compression", UploadEncoding.NoCompression, UploadEncoding.Compressions) is UploadEncoding.Gzip ? UploadEncoding.Gzip : null,
        };
        u.RejectUnknown();
        if (spec.Fraction is not null && spec.Codec != UploadEncoding.TopK)
            throw new JobSpecException("upload.fraction", $"only applies to codec topk (this job's codec is {spec.Codec})");
        if (spec.Bits is not null && spec.Codec != UploadEncoding.Int8)
            throw new JobSpecException("upload.bits", $"only applies to codec int8 (this job's codec is {spec.Codec})");
        if (spec.BlockSize is not null && spec.Codec != UploadEncoding.Int8)
            throw new JobSpecException("upload.block_size", $"only applies to codec int8 (this job's codec is {spec.Codec})");
        return spec;
    }

}
