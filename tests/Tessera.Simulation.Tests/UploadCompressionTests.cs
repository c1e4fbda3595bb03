using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>The simulator applies a job's upload codec to every client's update as workers and the coordinator do.</summary>
public class UploadCompressionTests
{
    static readonly ParameterSet Template = new([new NamedTensor("w", [4, 50], new float[200]), new NamedTensor("b", [20], new float[20])]);

    static JobSpec Spec(string upload) => Specs.Synthetic("fedavg", "iid", clients: 4, perRound: 2, rounds: 1, extra: $"upload: {upload}");

    static float[] Delta(int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, 220).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void Dense_uploads_are_not_touched()
    {
        Assert.Null(UploadCompression.For(Spec("{ codec: f32 }"), Template));
    }

    [Fact]
    public void Int8_folds_the_dequantized_delta_within_half_a_step_per_parameter()
    {
        var compression = UploadCompression.For(Spec("{ codec: int8 }"), Template)!;
        var delta = Delta(1);
        var folded = compression.Apply(0, (float[])delta.Clone()).Folded;
        Assert.NotEqual(delta, folded);
        foreach (var (offset, length) in new[] { (0, 200), (200, 20) })
        {
            // One scale per parameter (no block size): step = max|x| / 127.
            float step = delta.AsSpan(offset, length).ToArray().Max(Math.Abs) / 127f;
            for (int i = offset; i < offset + length; i++) Assert.True(Math.Abs(folded[i] - delta[i]) <= step / 2 + 1e-6f, $"entry {i}");
        }
        Assert.Empty(compression.Residuals);
    }

    [Theory]
    [InlineData("fp16", 11)]
    [InlineData("bf16", 8)]
    public void Half_precision_folds_each_value_rounded_to_its_nearest_neighbour(string codec, int mantissaBits)
    {
        var compression = UploadCompression.For(Spec($"{{ codec: {codec} }}"), Template)!;
        var delta = Delta(2);
        var folded = compression.Apply(0, (float[])delta.Clone()).Folded;
        Assert.NotEqual(delta, folded);
        // Round to nearest: relative error at most half an ulp, 2^-mantissaBits (these values are all normal in both).
        float bound = MathF.Pow(2, -mantissaBits);
        for (int i = 0; i < delta.Length; i++)
            Assert.True(MathF.Abs(folded[i] - delta[i]) <= bound * MathF.Abs(delta[i]), $"entry {i}: {folded[i]} for {delta[i]}");
        // Bit for bit what a worker puts on the wire and the coordinator widens.
        var wire = Protocol.NamedTensor.FromFloats("w", [delta.Length], delta, codec == "fp16" ? Protocol.SafetensorsDType.F16 : Protocol.SafetensorsDType.BF16);
        Assert.Equal(wire.ToFloatArray(), folded);
        Assert.Empty(compression.Residuals);
    }

    [Fact]
    public void Wire_bytes_are_the_update_files_size_and_gzip_counts_what_it_saved()
    {
        // A delta peaked at zero, as real ones are: most int8 codes are small, so gzip shrinks them.
        var r = new Random(4);
        float[] Peaked() => Enumerable.Range(0, 220).Select(_ => (float)(Math.Pow(r.NextDouble(), 6) * (r.Next(2) * 2 - 1))).ToArray();
        var delta = Peaked();
        long dense = UploadCompression.DenseWireBytes(Template);
        Assert.InRange(dense, 4 * 220, 4 * 220 + 512);   // values plus the safetensors header
        var (_, int8) = UploadCompression.For(Spec("{ codec: int8 }"), Template)!.Apply(0, (float[])delta.Clone());
        Assert.InRange(int8, 220 + 8, 220 + 512);
        var (foldedGz, int8Gz) = UploadCompression.For(Spec("{ codec: int8, compression: gzip }"), Template)!.Apply(0, (float[])delta.Clone());
        Assert.True(int8Gz < int8, $"gzip made {int8} bytes into {int8Gz}");
        // Transport compression changes no value, and dense f32 under gzip folds the delta as is.
        Assert.Equal(UploadCompression.For(Spec("{ codec: int8 }"), Template)!.Apply(0, (float[])delta.Clone()).Folded, foldedGz);
        var (foldedF32, f32Gz) = UploadCompression.For(Spec("{ compression: gzip }"), Template)!.Apply(0, (float[])delta.Clone());
        Assert.Equal(delta, foldedF32);
        // Random float mantissas hardly compress: the count is what gzip really made, not a guess.
        Assert.NotEqual(dense, f32Gz);
        Assert.InRange(f32Gz, dense * 0.8, dense * 1.1);
    }

    [Fact]
    public void Topk_sends_k_per_parameter_and_carries_the_rest_to_the_clients_next_update()
    {
        var compression = UploadCompression.For(Spec("{ codec: topk, fraction: 0.1 }"), Template)!;
        var first = Delta(2);
        var firstIn = (float[])first.Clone();
        var sent1 = compression.Apply(3, first).Folded;
        Assert.Equal(20, sent1.AsSpan(0, 200).ToArray().Count(v => v != 0));   // ⌈0.1 × 200⌉
        Assert.Equal(2, sent1.AsSpan(200, 20).ToArray().Count(v => v != 0));   // ⌈0.1 × 20⌉
        var residual = (float[])compression.Residuals[3].Clone();
        for (int i = 0; i < 220; i++) Assert.Equal(firstIn[i], sent1[i] + residual[i]);   // nothing lost: sent + kept = delta

        // The next update of the same client starts from delta + residual; another client starts clean.
        var second = Delta(3);
        var expected = second.Select((v, i) => v + residual[i]).ToArray();
        var sent2 = compression.Apply(3, second).Folded;
        Assert.Equal(expected, second);
        for (int i = 0; i < 220; i++) Assert.Equal(expected[i], sent2[i] + compression.Residuals[3][i]);
        var other = Delta(2);
        Assert.Equal(sent1, compression.Apply(4, other).Folded);
    }

    [Fact]
    public void A_simulated_topk_job_trains_and_differs_from_the_dense_one()
    {
        SimulationResult Run(string upload)
        {
            var spec = Specs.Synthetic("fedavg", "iid", clients: 8, perRound: 4, rounds: 4, extra: upload);
            using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
            return sim.Run();
        }
        var dense = Run("");
        var topk = Run("upload: { codec: topk, fraction: 0.05 }");
        Assert.NotEqual(dense.Final.Weights, topk.Final.Weights);
        Assert.True(topk.Rounds[^1].TestAccuracy > topk.Rounds[0].TestAccuracy + 0.2,
            $"top-k accuracy {topk.Rounds[0].TestAccuracy} -> {topk.Rounds[^1].TestAccuracy}");
    }
}
