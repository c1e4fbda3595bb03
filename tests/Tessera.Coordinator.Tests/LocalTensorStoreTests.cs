using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>The worker's FedBN store: what it trains from, what it keeps, what it uploads a change for, what it evaluates.</summary>
public class LocalTensorStoreTests
{
    static ArtifactManifest Manifest(IReadOnlyList<string>? local) => new()
    {
        Kind = "train", Model = "m", BatchSize = 1, SampleShape = [8], InputType = DType.Float, LabelShape = [], LabelType = DType.Int64,
        Loss = LossKind.SoftmaxCrossEntropy, Parameters = [new("fc.weight", [2]), new("bn.running_var", [2])], Local = local,
    };

    static ParameterSet Weights(float w0, float w1, float v0, float v1) =>
        new([new NamedTensor("fc.weight", [2], [w0, w1]), new NamedTensor("bn.running_var", [2], [v0, v1])]);

    [Fact]
    public void A_job_trains_from_its_kept_tensors_and_uploads_no_change_for_them()
    {
        var store = new LocalTensorStore();
        var m = Manifest(["bn.running_var"]);
        var global = Weights(1, 2, 1, 1);
        Assert.Same(global, store.StartFrom("job", m, global));   // first task: the global values

        var after = store.Keep("job", m, Weights(1.5f, 2.5f, 4, 9), global);
        Assert.Equal([1.5f, 2.5f], after["fc.weight"].Values);
        Assert.Equal([1f, 1f], after["bn.running_var"].Values);   // reset to where training began: a zero delta
        Assert.Equal([4f, 9f], store.Kept("job")!["bn.running_var"]);

        var next = store.StartFrom("job", m, Weights(7, 8, 1, 1));
        Assert.Equal([7f, 8f], next["fc.weight"].Values);
        Assert.Equal([4f, 9f], next["bn.running_var"].Values);
        Assert.Null(store.Kept("other-job"));
        Assert.Same(global, store.StartFrom("job", Manifest(null), global));   // a job that federates every tensor
    }

    [Fact]
    public void Diverged_weights_are_returned_as_they_are_and_nothing_is_kept()
    {
        var store = new LocalTensorStore();
        var m = Manifest(["bn.running_var"]);
        var diverged = Weights(float.NaN, 0, 4, 9);
        Assert.Same(diverged, store.Keep("job", m, diverged, Weights(1, 2, 1, 1)));
        Assert.Null(store.Kept("job"));
    }

    [Fact]
    public void The_inference_model_evaluated_carries_the_workers_own_tensors()
    {
        var onnx = File.ReadAllBytes(Path.Combine(Root(), "tests", "fixtures", "models", "tabular_bn.onnx"));
        var model = OnnxModel.FromBytes(onnx);
        var store = new LocalTensorStore();
        Assert.Same(onnx, store.Personalize("job", onnx));
        var own = Enumerable.Range(1, 6).Select(i => (float)i).ToArray();
        var m = new ArtifactManifest
        {
            Kind = "train", Model = "m", BatchSize = 1, SampleShape = [8], InputType = DType.Float, LabelShape = [], LabelType = DType.Int64,
            Loss = LossKind.SoftmaxCrossEntropy, Parameters = [new("bn.running_var", [6])], Local = ["bn.running_var"],
        };
        store.Keep("job", m, new ParameterSet([new NamedTensor("bn.running_var", [6], own)]), new ParameterSet([new NamedTensor("bn.running_var", [6], new float[6])]));
        var personalized = OnnxModel.FromBytes(store.Personalize("job", onnx)).Graph.Initializers;
        Assert.Equal(own, personalized["bn.running_var"].ToFloats());
        Assert.Equal(model.Graph.Initializers["fc1.weight"].ToFloats(), personalized["fc1.weight"].ToFloats());
    }

    static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }
}
