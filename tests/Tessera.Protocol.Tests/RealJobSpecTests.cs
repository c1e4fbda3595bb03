using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

/// <summary>The parts of a spec that make it a real job: the user's model, their data set and its format, and where to evaluate.</summary>
public class RealJobSpecTests
{
    const string OnnxJob = """
        name: fraud
        model: { onnx: models/fraud.onnx, loss: bce_with_logits, freeze: [encoder.], output: logits }
        data:
          dataset: fraud
          path: data/train.csv
          test_path: data/test.csv
          format: { kind: csv, label: is_fraud, columns: [amount, age], label_kind: float }
        evaluation: { dataset: none, federated_every: 5, federated_fraction: 0.5 }
        """;

    [Fact]
    public void Onnx_model_data_files_and_evaluation_are_read()
    {
        var s = JobSpecParser.Parse(OnnxJob);
        Assert.Equal(("models/fraud.onnx", "bce_with_logits", "logits"), (s.Model.Onnx, s.Model.Loss, s.Model.Output));
        Assert.Equal(["encoder."], s.Model.Freeze);
        Assert.Null(s.Model.Zoo);
        Assert.Equal(("fraud", "data/train.csv", "data/test.csv", false), (s.Data.Dataset, s.Data.Path, s.Data.TestPath, s.Data.OnWorkers));
        Assert.Equal(("csv", "is_fraud", "float"), (s.Data.Format.Kind, s.Data.Format.Label, s.Data.Format.LabelKind));
        Assert.Equal(["amount", "age"], s.Data.Format.Columns);
        Assert.Equal(("none", 5, 0.5, false), (s.Evaluation.Dataset, s.Evaluation.FederatedEvery, s.Evaluation.FederatedFraction, s.Evaluation.OnCoordinator));
    }

    [Fact]
    public void Onnx_spec_round_trips_and_a_zoo_model_stays_a_plain_string()
    {
        var s = JobSpecParser.Parse(OnnxJob);
        var json = JobSpecParser.ToJson(s);
        var back = JobSpecParser.Parse(json);
        Assert.Equal(json, JobSpecParser.ToJson(back));
        Assert.Equal(s.Model.Onnx, back.Model.Onnx);
        Assert.Equal(s.Data.Format.Columns, back.Data.Format.Columns);
        Assert.Contains("\"model\": \"cnn\"", JobSpecParser.ToJson(JobSpecParser.Parse("name: a\nmodel: cnn")));
        Assert.Equal("cnn", JobSpecParser.Parse("name: a\nmodel: { zoo: cnn }").Model.Zoo);
    }

    [Fact]
    public void Images_format_reads_size_channels_and_normalisation()
    {
        var s = JobSpecParser.Parse("name: a\ndata: { dataset: xrays, path: imgs, format: { kind: images, image_size: [32, 32], channels: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } }");
        Assert.Equal([32, 32], s.Data.Format.ImageSize);
        Assert.Equal(3, s.Data.Format.Channels);
        Assert.Equal([0.25, 0.25, 0.25], s.Data.Format.Std);
    }

    [Fact]
    public void Data_on_the_workers_has_no_coordinator_test_set()
    {
        var s = JobSpecParser.Parse("name: a\ndata: { dataset: ward-7, on_workers: true }\nevaluation: { federated_every: 1 }");
        Assert.True(s.Data.OnWorkers);
        Assert.False(s.Evaluation.OnCoordinator);
    }

    [Theory]
    [InlineData("model: { loss: mse }", "model", "exactly one")]
    [InlineData("model: { zoo: cnn, onnx: a.onnx }", "model", "exactly one")]
    [InlineData("model: { onnx: a.onnx, loss: hinge }", "model.loss", "not one of")]
    [InlineData("model: { sha256: abc }", "model.sha256", "not a sha256")]
    [InlineData("model: { onnx: a.onnx, lr: 3 }", "model.lr", "unknown field")]
    [InlineData("data: { dataset: 'a b' }", "data.dataset", "letters")]
    [InlineData("data: { dataset: x, test_path: t.csv }", "data.test_path", "needs data.path")]
    [InlineData("data: { dataset: x, on_workers: true, path: a.csv }", "data.path", "--data NAME=PATH")]
    [InlineData("data: { dataset: x, on_workers: maybe }", "data.on_workers", "true or false")]
    [InlineData("data: { format: { kind: parquet } }", "data.format.kind", "not one of")]
    [InlineData("data: { format: { image_size: [28] } }", "data.format.image_size", "[height, width]")]
    [InlineData("data: { format: { mean: [0.5], std: [] } }", "data.format.std", "1 means")]
    [InlineData("data: { format: { std: [0] } }", "data.format.std", "out of range")]
    [InlineData("evaluation: { federated_every: -1 }", "evaluation.federated_every", "out of range")]
    [InlineData("evaluation: { every: 2 }", "evaluation.every", "unknown field")]
    public void Bad_real_job_fields_are_rejected_by_name(string yaml, string field, string message)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: t\n" + yaml));
        Assert.StartsWith(field, e.Field);
        Assert.Contains(message, e.Message);
    }
}
