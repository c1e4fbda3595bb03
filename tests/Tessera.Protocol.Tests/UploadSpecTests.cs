using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Protocol.Tests;

/// <summary>The `upload:` section of a job spec: which codec workers must use, and its bound.</summary>
public class UploadSpecTests
{
    [Fact]
    public void Codecs_and_their_settings_are_read_and_reach_the_task()
    {
        var none = JobSpecParser.Parse("name: a");
        Assert.Equal("f32", none.Upload.Codec);
        Assert.Null(none.Upload.ForTask());

        var int8 = JobSpecParser.Parse("name: a\nupload: { codec: int8, block_size: 256 }");
        Assert.Equal(new UploadEncoding { Codec = "int8", BlockSize = 256 }, int8.Upload.ForTask());

        var topk = JobSpecParser.Parse("name: a\nupload: { codec: TopK, fraction: 0.05 }");
        Assert.Equal(new UploadEncoding { Codec = "topk", Fraction = 0.05 }, topk.Upload.ForTask());
        Assert.Equal(UploadSpec.DefaultFraction, JobSpecParser.Parse("name: a\nupload: { codec: topk }").Upload.ForTask()!.Fraction);

        var fp16 = JobSpecParser.Parse("name: a\nupload: { codec: fp16 }").Upload.ForTask()!;
        Assert.Equal((new UploadEncoding { Codec = "fp16" }, true, SafetensorsDType.F16), (fp16, fp16.IsHalfPrecision, UploadEncoding.DenseDType(fp16.Codec)));
        var bf16 = JobSpecParser.Parse("name: a\nupload: { codec: BF16 }").Upload.ForTask()!;
        Assert.Equal((new UploadEncoding { Codec = "bf16" }, true, SafetensorsDType.BF16), (bf16, bf16.IsHalfPrecision, UploadEncoding.DenseDType(bf16.Codec)));
        Assert.False(int8.Upload.ForTask()!.IsHalfPrecision);

        // gzip is transport compression on top of any codec; dense f32 then needs a task encoding too.
        Assert.Equal(new UploadEncoding { Codec = "f32", Compression = "gzip" }, JobSpecParser.Parse("name: a\nupload: { compression: gzip }").Upload.ForTask());
        Assert.Equal(new UploadEncoding { Codec = "int8", Compression = "gzip" }, JobSpecParser.Parse("name: a\nupload: { codec: int8, compression: gzip }").Upload.ForTask());
        Assert.Null(JobSpecParser.Parse("name: a\nupload: { compression: none }").Upload.ForTask());
        Assert.Equal(new UploadEncoding { Codec = "int8", Bits = 6 }, JobSpecParser.Parse("name: a\nupload: { codec: int8, bits: 6 }").Upload.ForTask());
        Assert.Equal((127, 31, 7), (UploadEncoding.MaxCode(0), UploadEncoding.MaxCode(6), UploadEncoding.MaxCode(4)));
    }

    [Fact]
    public void Upload_section_round_trips_through_ToJson()
    {
        foreach (var yaml in new[] { "name: a", "name: a\nupload: { codec: int8 }", "name: a\nupload: { codec: topk, fraction: 0.1 }", "name: a\nupload: { codec: bf16 }" })
        {
            var spec = JobSpecParser.Parse(yaml);
            Assert.Equal(spec.Upload, JobSpecParser.Parse(JobSpecParser.ToJson(spec)).Upload);
        }
    }

    [Theory]
    [InlineData("upload: { codec: zip }", "upload.codec", "is not one of")]
    [InlineData("upload: { codec: topk, fraction: 0 }", "upload.fraction", "out of range")]
    [InlineData("upload: { codec: topk, fraction: 1.5 }", "upload.fraction", "out of range")]
    [InlineData("upload: { codec: int8, block_size: -1 }", "upload.block_size", "out of range")]
    [InlineData("upload: { codec: int8, fraction: 0.1 }", "upload.fraction", "only applies to codec topk")]
    [InlineData("upload: { block_size: 64 }", "upload.block_size", "only applies to codec int8")]
    [InlineData("upload: { codec: topk, k: 5 }", "upload.k", "unknown field")]
    [InlineData("upload: { codec: fp16, fraction: 0.1 }", "upload.fraction", "only applies to codec topk")]
    [InlineData("upload: { codec: bf16, block_size: 64 }", "upload.block_size", "only applies to codec int8")]
    [InlineData("upload: { codec: float16 }", "upload.codec", "fp16")]
    [InlineData("upload: { codec: int8, compression: zstd }", "upload.compression", "gzip")]
    [InlineData("upload: { codec: fp16, bits: 6 }", "upload.bits", "only applies to codec int8")]
    [InlineData("upload: { codec: int8, bits: 9 }", "upload.bits", "out of range")]
    public void Bad_upload_settings_name_the_field(string yaml, string field, string message)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: t\n" + yaml));
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData(1000, 0.01, 10)]
    [InlineData(1001, 0.01, 11)]
    [InlineData(10, 0.01, 1)]
    [InlineData(10, 1.0, 10)]
    public void K_is_the_ceiling_of_fraction_times_size_and_at_least_one(long size, double fraction, int k) =>
        Assert.Equal(k, UploadEncoding.KFor(size, fraction));
}
