using System.Security.Cryptography;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests;

public class ArtifactTests
{
    [Theory]
    [InlineData("2nn", 199_210)]
    [InlineData("cnn", 1_663_370)]
    [InlineData("lenet", 431_080)]
    [InlineData("logreg", 7_850)]
    public void Zoo_models_have_the_papers_parameter_counts(string name, long expected) =>
        Assert.Equal(expected, ModelZoo.Create(name).ParameterCount);

    [Fact]
    public void Char_transformer_freezes_its_causal_mask_and_trains_the_rest()
    {
        var m = ModelZoo.CharTransformer();
        Assert.DoesNotContain("causal_mask", m.Trainable);
        Assert.Contains("tok_emb", m.Trainable);
        // 96*64 + 32*64 embeddings, one block (ln 2*2*64, qkv 64*192+192, proj 64*64+64, mlp 64*256+256 + 256*64+64), ln_f 128, head 64*96+96
        Assert.Equal(96 * 64 + 32 * 64 + 4 * 64 + 64 * 192 + 192 + 64 * 64 + 64 + 64 * 256 + 256 + 256 * 64 + 64 + 128 + 64 * 96 + 96, m.ParameterCount);
    }

    [Theory]
    [InlineData("2nn")]
    [InlineData("cnn")]
    [InlineData("chartransformer")]
    public void Compiling_twice_gives_identical_bytes_named_by_sha256(string name)
    {
        var options = new TrainingOptions { BatchSize = 8, Optimizer = OptimizerKind.Adam, ClipGradientNorm = true };
        var a = ArtifactCompiler.CompileTraining(ModelZoo.Create(name), options);
        var b = ArtifactCompiler.CompileTraining(ModelZoo.Create(name), options);
        Assert.Equal(a.Bytes, b.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(a.Bytes)), a.Sha256);
        var other = ArtifactCompiler.CompileTraining(ModelZoo.Create(name), options with { BatchSize = 9 });
        Assert.NotEqual(a.Sha256, other.Sha256);
    }

    [Fact]
    public void Artifact_carries_its_manifest_and_does_not_depend_on_weights_or_learning_rate()
    {
        var a = ArtifactCompiler.CompileTraining(ModelZoo.Mnist2NN(seed: 1), new TrainingOptions { BatchSize = 10, Momentum = true });
        var b = ArtifactCompiler.CompileTraining(ModelZoo.Mnist2NN(seed: 2), new TrainingOptions { BatchSize = 10, Momentum = true });
        Assert.Equal(a.Sha256, b.Sha256); // weights are inputs, not baked in
        var read = Artifact.FromBytes(a.Bytes);
        Assert.Equal("train", read.Manifest.Kind);
        Assert.Equal(["lr", "momentum"], read.Manifest.Hyperparameters);
        Assert.Equal(6, read.Manifest.Parameters.Count);
        Assert.Equal(6, read.Manifest.State.Count);
    }

    [Fact]
    public void Flops_are_counted_from_the_graph()
    {
        var model = ModelZoo.Mnist2NN();
        var eval = ArtifactCompiler.CompileEvaluation(model, 10).Manifest.FlopsPerSample;
        long macs = 784 * 200 + 200 * 200 + 200 * 10;
        // Forward: 2 FLOPs per multiply-add, plus bias adds, ReLUs and the loss head: a little over 2*MACs.
        Assert.InRange(eval, 2 * macs, 2 * macs + 5_000);
        var train = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 10 }).Manifest.FlopsPerSample;
        // Backward: weight gradients for every layer (2*MACs) and input gradients for all but the first layer
        // (the data needs none), plus pointwise work and the update.
        long backward = 2 * macs + 2 * (macs - 784 * 200);
        Assert.InRange(train, 2 * macs + backward, (2 * macs + backward) * 1.1);
        var cnn = ArtifactCompiler.CompileEvaluation(ModelZoo.MnistCnn(), 10).Manifest.FlopsPerSample;
        long cnnMacs = 28 * 28 * 32 * 25 + 14 * 14 * 64 * 25 * 32 + 3136 * 512 + 512 * 10;
        Assert.InRange(cnn, 2 * cnnMacs, 2 * cnnMacs * 1.05);
    }

    [Fact]
    public void Asking_for_an_execution_provider_this_build_lacks_names_it_and_lists_what_exists()
    {
        var a = ArtifactCompiler.CompileTraining(ModelZoo.LogisticRegression(4, 2), new TrainingOptions { BatchSize = 2 });
        var e = Assert.Throws<NotSupportedException>(() =>
            new Trainer(a, ModelZoo.LogisticRegression(4, 2).InitialParameters(), new RuntimeOptions { Provider = ExecutionProvider.DirectML }));
        Assert.Contains("DirectML", e.Message);
        Assert.Contains("CPUExecutionProvider", e.Message);
    }

    [Fact]
    public void Wrong_sized_batches_are_rejected_with_the_expected_size()
    {
        var model = ModelZoo.LogisticRegression(4, 2);
        using var t = new Trainer(ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 2 }), model.InitialParameters());
        var e = Assert.Throws<ArgumentException>(() => t.Train(BatchData.Classification(new float[7], new long[2], 1), new Hyperparameters()));
        Assert.Contains("expected 8", e.Message);
    }

    [Fact]
    public void A_reused_trainer_after_reset_reproduces_a_fresh_one_dropout_included()
    {
        var model = ModelZoo.CharTransformer(vocab: 11, context: 5, width: 8, heads: 2, seed: 3);
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 2, Optimizer = OptimizerKind.Adam });
        var data = BatchData.Sequence(TestData.Classes(3 * 2 * 5, 11, 1), TestData.Classes(3 * 2 * 5, 11, 2), 3);
        var hp = new Hyperparameters { LearningRate = 0.01f, DropoutSeed = 5 };
        using var fresh = new Trainer(artifact, model.InitialParameters());
        var expected = fresh.Train(data, hp).Losses;
        using var reused = new Trainer(artifact, model.InitialParameters());
        reused.Train(data, hp with { DropoutSeed = 99 }); // an earlier task
        reused.SetParameters(model.InitialParameters());
        reused.ResetOptimizerState();
        Assert.Equal(expected, reused.Train(data, hp).Losses);
    }
}
