using System.Text;
using CsCheck;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Protocol.Tests;

/// <summary>
/// What strangers send in this wave, fuzzed: a worker's evaluation report, update metadata carrying one, a safetensors
/// header with invalid UTF-8, and a spec's model and data sections. Random and mutated inputs end in the parser's own
/// format error, never another exception.
/// </summary>
public class StrangerInputFuzzTests
{
    const string Valid = """{"Samples":300,"Loss":0.41,"Accuracy":0.9,"Metrics":{"auc":0.97,"f1":0.88}}""";

    static Gen<string> Mutated(string valid) =>
        Gen.Select(Gen.Int[0, valid.Length], Gen.Int[0, 6], Gen.String[Gen.Char["{}[]\":,.-0123456789eEaNIfinty \\u"], 0, 6])
            .Select((at, cut, insert) => valid[..at] + insert + valid[Math.Min(valid.Length, at + cut)..]);

    [Fact]
    public void A_valid_report_round_trips()
    {
        var r = EvaluationReport.Parse(Valid);
        Assert.Equal((300L, 0.41, (double?)0.9), (r.Samples, r.Loss, r.Accuracy));
        Assert.Equal(0.97, r.Metrics["auc"]);
        var back = EvaluationReport.Parse(r.ToJson());
        Assert.Equal(r.Metrics, back.Metrics);
    }

    [Theory]
    [InlineData("""{"Samples":0,"Loss":1}""", "out of range")]
    [InlineData("""{"Samples":5,"Loss":"NaN"}""", "finite")]
    [InlineData("""{"Samples":5,"Loss":1,"Accuracy":1.5}""", "[0, 1]")]
    [InlineData("""{"Samples":5,"Loss":1,"Metrics":{"bogus":1}}""", "not one of")]
    [InlineData("""{"Samples":5,"Loss":1,"Metrics":{"auc":"-Infinity"}}""", "finite")]
    [InlineData("null", "empty")]
    [InlineData("""{"Samples":5,"Loss":1,"Metrics":{"\ud985":1}}""", "not a valid report")]
    public void Bad_reports_are_refused_with_the_reason(string json, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => EvaluationReport.Parse(json)).Message);

    [Fact]
    public void Random_and_mutated_reports_only_fail_as_format_errors()
    {
        void Check(string json)
        {
            try
            {
                var r = EvaluationReport.Parse(json);
                Assert.True(r.Samples >= 1 && double.IsFinite(r.Loss));
            }
            catch (FormatException) { }
        }
        Gen.String.Sample(Check, iter: 500, threads: 1);
        Mutated(Valid).Sample(Check, iter: 2000, threads: 1);
    }

    [Fact]
    public void Update_metadata_with_a_bad_evaluation_is_refused_whole()
    {
        var good = new UpdateEnvelope { TaskId = "t-1", BaseVersion = 2, SampleCount = 10, Steps = 1, LossTrace = [0.5f], Commitment = "c",
            Evaluation = EvaluationReport.Parse(Valid) }.ToMetadata();
        Assert.Equal(300, UpdateEnvelope.FromMetadata(good).Evaluation!.Samples);
        var bad = new Dictionary<string, string>(good) { [EvaluationReport.MetadataKey] = """{"Samples":-3,"Loss":1}""" };
        Assert.Throws<FormatException>(() => UpdateEnvelope.FromMetadata(bad));
    }

    [Fact]
    public void Safetensors_header_with_invalid_utf8_is_a_format_error()
    {
        byte[] header = [(byte)'{', (byte)'"', 0xB5, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        var bytes = BitConverter.GetBytes((ulong)header.Length).Concat(header).ToArray();
        Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Read(bytes));
    }

    [Fact]
    public void Random_model_and_data_sections_only_fail_as_spec_errors()
    {
        var valid = "name: a\nmodel: { onnx: m.onnx, loss: mse, freeze: [a.] }\ndata: { dataset: d, path: x.csv, format: { kind: csv, label: y, image_size: [2, 2], mean: [0.5], std: [0.2] } }\nevaluation: { federated_every: 2 }";
        Gen.Select(Gen.Int[0, valid.Length], Gen.Int[0, 4], Gen.String[Gen.Char["{}[]:,- \nabcxyz0123456789."], 0, 5])
            .Select((at, cut, insert) => valid[..at] + insert + valid[Math.Min(valid.Length, at + cut)..])
            .Sample(text =>
            {
                try { JobSpecParser.Parse(text); }
                catch (JobSpecException) { }
            }, iter: 2000, threads: 1);
    }

    [Fact]
    public void Random_attack_aggregator_and_partition_sections_only_fail_as_spec_errors()
    {
        var valid = "name: a\ndata: { partition: gamma_similarity, gamma: 0.33, clients: 12 }\nclients_per_round: 12\n" +
            "strategy: { name: fedavg, aggregator: { name: trimmed_mean, beta: 0.1, pre: [nnm, { bucketing: 2 }] } }\n" +
            "simulation: { attack: { name: alie, count: 3, z: 1.5 } }";
        JobSpecParser.Parse(valid);
        Gen.Select(Gen.Int[0, valid.Length], Gen.Int[0, 4], Gen.String[Gen.Char["{}[]:,- \nabcfgilmnostz0123456789._"], 0, 5])
            .Select((at, cut, insert) => valid[..at] + insert + valid[Math.Min(valid.Length, at + cut)..])
            .Sample(text =>
            {
                try { JobSpecParser.Parse(text); }
                catch (JobSpecException) { }
            }, iter: 2000, threads: 1);
    }

    [Fact]
    public void Random_and_mutated_commitment_checkpoints_only_fail_as_format_errors()
    {
        var chain = new CommitmentChain("t-1", "w-1", 2);
        foreach (int step in CommitmentChain.Schedule(120, 50)) chain.Add(step, BitConverter.GetBytes(step));
        var good = new UpdateEnvelope { TaskId = "t-1", BaseVersion = 2, SampleCount = 1200, Steps = 120, LossTrace = [0.5f], Commitment = chain.Head,
            Checkpoints = chain.Checkpoints }.ToMetadata();
        Assert.Equal(chain.Checkpoints, UpdateEnvelope.FromMetadata(good).Checkpoints);
        void Check(string checkpoints)
        {
            try
            {
                var links = UpdateEnvelope.FromMetadata(new Dictionary<string, string>(good) { ["checkpoints"] = checkpoints }).Checkpoints;
                Assert.True(links.Count <= 120 && links.All(l => l.Step is >= 1 and <= 120 && l.Leaf.Length == 64));
                Assert.True(links.Zip(links.Skip(1)).All(p => p.First.Step < p.Second.Step));
            }
            catch (FormatException) { }
        }
        Gen.String.Sample(Check, iter: 500, threads: 1);
        Mutated(good["checkpoints"]).Sample(Check, iter: 3000, threads: 1);
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_checkpoint_leaf_is_a_format_error()
    {
        var m = new UpdateEnvelope { TaskId = "t-1", BaseVersion = 2, SampleCount = 10, Steps = 10, LossTrace = [0.5f], Commitment = new string('a', 64) }.ToMetadata()
            .ToDictionary();
        m["checkpoints"] = """[[5,"85dd751867e3155c7f2e23e8446546906f5bf6- e\ud985ed474822613764d69e"]]""";
        Assert.Throws<FormatException>(() => UpdateEnvelope.FromMetadata(m));
    }

    [Fact]
    public void A_spec_whose_first_key_is_empty_is_a_spec_error_not_an_argument_exception()
    {
        // CsCheck seed cdICf2GmmNC1 of Random_model_and_data_sections_only_fail_as_spec_errors: YamlDotNet's parser
        // throws ArgumentException ("the current event is of an unsupported type") while loading it.
        const string text = " : a\nmodel: { onnx: m.onnx, loss: mse, freeze: [a.] }\ndata: { dataset: d, path: x.csv }\n";
        Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(text));
    }
}
