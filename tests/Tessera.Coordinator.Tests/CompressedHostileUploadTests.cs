using System.Net;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// Hostile fp16, bf16, int8 and top-k uploads (wrong dtype, a value that overflowed fp16, NaN scale, index out of range, duplicate index, k above the job's
/// bound, ...) get a 400 naming what is wrong and leave the job exactly as it was; an honest one is then accepted.
/// </summary>
[Collection("coordinator")]
public sealed class CompressedHostileUploadTests : InProcessCoordinatorTest
{
    // logreg: fc.weight [10,784] (7,840 entries) and fc.bias [10].
    const int Weights = 7840;

    async Task<(string Session, TaskMessage Task, string JobId)> StartJob(string upload)
    {
        var (session, _) = await Join("pool", "w");
        var job = await Admin.CreateJob($"""
            name: hostile-compressed
            model: logreg
            rounds: 2
            clients_per_round: 1
            data: {"{"} clients: 1, train_samples: 1000 {"}"}
            verification: {"{"} replay: off {"}"}   # synthetic updates, not trained ones: nothing to replay
            local: {"{"} batch_size: 10 {"}"}
            upload: {upload}
            """);
        return (session, await NextTask(session), job.Id);
    }

    static byte[] File(TaskMessage task, string encoding, IEnumerable<NamedTensor> tensors)
    {
        var env = new UpdateEnvelope { TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = 10, Steps = 1, LossTrace = [1f], Commitment = new string('a', 64) };
        var meta = new Dictionary<string, string>(env.ToMetadata()) { [UploadEncoding.MetadataKey] = encoding };
        return new SafetensorsFile(tensors, meta).ToBytes();
    }

    async Task Refused(string session, TaskMessage task, string jobId, byte[] body, string fragment, string? contentEncoding = null,
        HttpStatusCode expected = HttpStatusCode.BadRequest)
    {
        var (status, error) = await Upload(session, task.TaskId, body, contentEncoding);
        Assert.True(status == expected, $"expected {(int)expected} for '{fragment}', got {(int)status} {error}");
        Assert.Contains(fragment, error, StringComparison.OrdinalIgnoreCase);
        var s = await Admin.Job(jobId);
        Assert.Equal((0, 0L), (s.RoundUpdates, s.Version));
    }

    async Task Accepted(string session, TaskMessage task, string jobId, byte[] body, string? contentEncoding = null)
    {
        var (status, error) = await Upload(session, task.TaskId, body, contentEncoding);
        Assert.True(status == HttpStatusCode.OK, error);
        await Admin.WaitFor(jobId, s => s.Version == 1);
    }

    static NamedTensor I8(string name, long[] shape) => new(name, SafetensorsDType.I8, shape, new byte[shape.Aggregate(1L, (a, b) => a * b)]);
    static NamedTensor F32(string name, params float[] values) => NamedTensor.FromFloats(name, [values.Length], values);

    [Fact]
    public async Task Hostile_int8_uploads_are_refused_and_an_honest_one_is_accepted()
    {
        var (session, task, job) = await StartJob("{ codec: int8 }");
        Assert.Equal(new UploadEncoding { Codec = "int8" }, task.Upload);

        byte[] Int8(Func<string, NamedTensor>? weight = null, float weightScale = 0.001f, string encoding = "int8") => File(task, encoding,
        [
            weight?.Invoke("fc.weight") ?? I8("fc.weight", [10, 784]), F32("fc.weight:scales", weightScale),
            I8("fc.bias", [10]), F32("fc.bias:scales", 0.001f),
        ]);

        await Refused(session, task, job, Int8(weight: n => NamedTensor.FromFloats(n, [10, 784], new float[Weights])), "must be I8");
        await Refused(session, task, job, Int8(weightScale: float.NaN), "NaN");
        await Refused(session, task, job, Int8(weightScale: float.PositiveInfinity), "Infinity");
        await Refused(session, task, job, Int8(weight: n => I8(n, [7840])), "shape");
        await Refused(session, task, job, Int8(encoding: "topk"), "encoding");
        await Refused(session, task, job, File(task, "int8", [I8("fc.weight", [10, 784]), F32("fc.weight:scales", 1, 2), I8("fc.bias", [10]), F32("fc.bias:scales", 1)]), "expected [1]");
        // A dense F32 update is not what this job asked for.
        await Refused(session, task, job, new SafetensorsFile([NamedTensor.FromFloats("fc.weight", [10, 784], new float[Weights]), NamedTensor.FromFloats("fc.bias", [10], new float[10])],
            new UpdateEnvelope { TaskId = task.TaskId, BaseVersion = 0, SampleCount = 10, Steps = 1, LossTrace = [1f], Commitment = new string('a', 64) }.ToMetadata()).ToBytes(), "encoding");

        await Accepted(session, task, job, Int8());
    }

    [Theory]
    [InlineData("fp16", SafetensorsDType.F16)]
    [InlineData("bf16", SafetensorsDType.BF16)]
    public async Task Hostile_half_precision_uploads_are_refused_and_an_honest_one_is_accepted(string codec, SafetensorsDType dtype)
    {
        var (session, task, job) = await StartJob($"{{ codec: {codec} }}");
        Assert.Equal(new UploadEncoding { Codec = codec }, task.Upload);

        byte[] Half(float weight = 0.001f, SafetensorsDType? weightType = null, long[]? weightShape = null, string? encoding = null) => File(task, encoding ?? codec,
        [
            NamedTensor.FromFloats("fc.weight", weightShape ?? [10, 784], Enumerable.Repeat(weight, Weights).ToArray(), weightType ?? dtype),
            NamedTensor.FromFloats("fc.bias", [10], new float[10], dtype),
        ]);

        // Dense F32 (twice the bytes) is not what the job's owner chose, nor is the other half format.
        await Refused(session, task, job, Half(weightType: SafetensorsDType.F32), $"must be {dtype.ToHeaderName()}");
        await Refused(session, task, job, Half(weightType: dtype == SafetensorsDType.F16 ? SafetensorsDType.BF16 : SafetensorsDType.F16), $"upload.codec is {codec}");
        await Refused(session, task, job, Half(weight: float.NaN), "NaN");
        // fp16 tops out at 65504: a larger delta arrives as Infinity; bf16 keeps float's range but not Infinity itself.
        await Refused(session, task, job, Half(weight: dtype == SafetensorsDType.F16 ? 1e5f : float.PositiveInfinity), "Infinity");
        await Refused(session, task, job, Half(weightShape: [7840]), "shape");
        await Refused(session, task, job, Half(encoding: "f32"), "encoding");
        await Refused(session, task, job, File(task, codec, [NamedTensor.FromFloats("fc.weight", [10, 784], new float[Weights], dtype)]), "missing tensor 'fc.bias'");

        await Accepted(session, task, job, Half());
    }

    [Fact]
    public async Task Int8_codes_past_the_jobs_bits_are_refused()
    {
        var (session, task, job) = await StartJob("{ codec: int8, bits: 6 }");
        Assert.Equal(new UploadEncoding { Codec = "int8", Bits = 6 }, task.Upload);
        byte[] WithCode(sbyte code)
        {
            var weights = new byte[Weights];
            weights[100] = (byte)code;
            return File(task, "int8", [new NamedTensor("fc.weight", SafetensorsDType.I8, [10, 784], weights), F32("fc.weight:scales", 0.001f), I8("fc.bias", [10]), F32("fc.bias:scales", 0.001f)]);
        }
        await Refused(session, task, job, WithCode(32), "code 100 is 32");
        await Refused(session, task, job, WithCode(-128), "±31");
        await Accepted(session, task, job, WithCode(-31));
    }

    [Fact]
    public async Task Gzipped_uploads_that_lie_or_inflate_past_the_limit_are_refused_and_an_honest_one_is_accepted()
    {
        var (session, task, job) = await StartJob("{ codec: int8, compression: gzip }");
        Assert.Equal(new UploadEncoding { Codec = "int8", Compression = "gzip" }, task.Upload);
        var file = File(task, "int8", [I8("fc.weight", [10, 784]), F32("fc.weight:scales", 0.001f), I8("fc.bias", [10]), F32("fc.bias:scales", 0.001f)]);

        await Refused(session, task, job, file, "not valid gzip", contentEncoding: "gzip");
        await Refused(session, task, job, UploadGzip.Compress(file), "Content-Encoding 'br'", contentEncoding: "br", expected: HttpStatusCode.UnsupportedMediaType);
        // 30 MB of zeros gzip to 30 KB; the logreg's update may be at most 1 MB plus its values, inflated or not.
        await Refused(session, task, job, UploadGzip.Compress(new byte[30 << 20]), "inflates past", contentEncoding: "gzip", expected: HttpStatusCode.RequestEntityTooLarge);
        // gzip is transport only: the inflated file is checked like any other.
        await Refused(session, task, job, UploadGzip.Compress(File(task, "int8", [I8("fc.weight", [10, 784])])), "missing tensor", contentEncoding: "gzip");

        await Accepted(session, task, job, UploadGzip.Compress(file), contentEncoding: "gzip");
    }

    [Fact]
    public async Task Hostile_topk_uploads_are_refused_and_an_honest_one_is_accepted()
    {
        var (session, task, job) = await StartJob("{ codec: topk, fraction: 0.01 }");
        Assert.Equal(new UploadEncoding { Codec = "topk", Fraction = 0.01 }, task.Upload);
        // k bound: ⌈0.01 × 7840⌉ = 79 for the weight, 1 for the bias.

        byte[] TopK(int[] indices, float[]? values = null, SafetensorsDType indexType = SafetensorsDType.I32) => File(task, "topk",
        [
            indexType == SafetensorsDType.I32 ? NamedTensor.FromInt32s("fc.weight:indices", [indices.Length], indices)
                : NamedTensor.FromInt64s("fc.weight:indices", [indices.Length], indices.Select(i => (long)i).ToArray()),
            F32("fc.weight:values", values ?? indices.Select(_ => 0.01f).ToArray()),
            NamedTensor.FromInt32s("fc.bias:indices", [1], [3]), F32("fc.bias:values", 0.02f),
        ]);

        await Refused(session, task, job, TopK([5, Weights]), "out of range");
        await Refused(session, task, job, TopK([-1, 5]), "out of range");
        await Refused(session, task, job, TopK([5, 9, 9]), "duplicate index 9");
        await Refused(session, task, job, TopK([9, 5]), "ascending");
        await Refused(session, task, job, TopK(Enumerable.Range(0, 80).ToArray()), "at most 79");
        await Refused(session, task, job, TopK([1, 2], [0.1f, float.NaN]), "NaN");
        await Refused(session, task, job, TopK([1, 2], [0.1f]), "entries");
        await Refused(session, task, job, TopK([1, 2], indexType: SafetensorsDType.I64), "must be I32");

        await Accepted(session, task, job, TopK(Enumerable.Range(0, 79).Select(i => i * 99).ToArray()));
    }
}
