using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

/// <summary>model.fedbn: read, written back, and refused with one line naming the field where it cannot work.</summary>
public class FedBnSpecTests
{
    const string OnWorkers = "data: { dataset: trees, on_workers: true, format: { label: kind } }\n";

    [Fact]
    public void Fedbn_is_read_defaults_to_dotnet_workers_and_round_trips_through_json()
    {
        var spec = JobSpecParser.Parse("name: t\nmodel: { onnx: net.onnx, fedbn: true }\n" + OnWorkers);
        Assert.True(spec.Model.FedBn);
        Assert.Equal(["dotnet"], spec.Requirements.Runtimes);   // the only worker that keeps BatchNorm tensors local
        var again = JobSpecParser.Parse(JobSpecParser.ToJson(spec));
        Assert.True(again.Model.FedBn);
        Assert.False(JobSpecParser.Parse("name: t\nmodel: { onnx: net.onnx }\n" + OnWorkers).Model.FedBn);
        Assert.DoesNotContain("fedbn", JobSpecParser.ToJson(JobSpecParser.Parse("name: t\nmodel: { onnx: net.onnx }\n" + OnWorkers)));
    }

    [Theory]
    [InlineData("model: { zoo: cnn, fedbn: true }\n" + OnWorkers, "model.fedbn", "zoo model 'cnn' has no BatchNorm layers")]
    [InlineData("model: { onnx: net.onnx, fedbn: true }\ndata: { dataset: trees, format: { label: kind } }\nverification: { replay: coordinator }", "verification.replay", "use replay: off")]
    [InlineData("model: { onnx: net.onnx, fedbn: true }\nrequirements: { runtimes: [dotnet, browser] }\n" + OnWorkers, "requirements.runtimes", "the browser worker does not keep BatchNorm tensors local")]
    [InlineData("model: { onnx: net.onnx, fedbn: maybe }\n" + OnWorkers, "model.fedbn", "")]
    public void A_fedbn_job_that_cannot_work_is_refused_naming_the_field(string yaml, string field, string message)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: t\n" + yaml));
        Assert.Equal(field, e.Field);
        Assert.StartsWith(field + ":", e.Message);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_fedbn_job_on_coordinator_shards_is_unverifiable_by_default()
    {
        const string shards = "name: t\nmodel: { onnx: net.onnx, fedbn: true }\ndata: { dataset: trees, format: { label: kind } }";
        var spec = JobSpecParser.Parse(shards);
        Assert.True(spec.Model.FedBn);
        Assert.False(spec.Verification.Enabled);   // a replay cannot know the worker's own BatchNorm tensors
        Assert.False(JobSpecParser.Parse(JobSpecParser.ToJson(spec)).Verification.Enabled);
        Assert.False(JobSpecParser.Parse(shards + "\nverification: { replay: off }").Verification.Enabled);
        Assert.True(JobSpecParser.Parse(shards.Replace(", fedbn: true", "")).Verification.Enabled);
    }
}
