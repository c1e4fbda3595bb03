using Tessera.Data;
using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>
/// FedBN (model.fedbn) in the simulator, on a PyTorch BatchNorm export (tests/fixtures/models/tabular_bn.onnx:
/// Linear 8→6, BatchNorm1d, ReLU, Linear 6→3) and two sites of the trees CSVs, the second with a feature shift
/// (every feature ×10 + 10), the setting FedBN was made for.
/// </summary>
public sealed class FedBnTests
{
    static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }

    static string Models => Path.Combine(Root(), "tests", "fixtures", "models");

    static Dataset Trees(string file) =>
        JobDatasets.Read(new DataFormatSpec { Label = "kind" }, Path.Combine(Root(), "tests", "fixtures", "data", file), [8], LossKind.SoftmaxCrossEntropy);

    /// <summary>A site whose instruments read every feature on another scale and offset (×10 + 10).</summary>
    static Dataset Shifted(Dataset d) =>
        Dataset.ForClassification(d.Features.Select(x => x * 10 + 10).ToArray(), d.SampleShape, d.Labels!.ToArray(), d.ClassCount);

    static Dataset Concat(Dataset a, Dataset b) =>
        Dataset.ForClassification([.. a.Features, .. b.Features], a.SampleShape, [.. a.Labels!, .. b.Labels!], a.ClassCount);

    /// <summary>Client 0 holds trees-a as it is, client 1 trees-b shifted; the test set is trees-test as it is.</summary>
    static FederatedData Sites()
    {
        var (a, b) = (Trees("trees-a.csv"), Shifted(Trees("trees-b.csv")));
        return new FederatedData(Concat(a, b), Trees("trees-test.csv"),
            [Enumerable.Range(0, a.Count).ToArray(), Enumerable.Range(a.Count, b.Count).ToArray()]);
    }

    static JobSpec Spec(bool fedbn, string strategy, int rounds, string local) => JobSpecParser.Parse($$"""
        name: fedbn-sites
        model: { onnx: tabular_bn.onnx, fedbn: {{(fedbn ? "true" : "false")}} }
        data: { dataset: trees, clients: 2 }
        strategy: { name: {{strategy}} }
        clients_per_round: 2
        rounds: {{rounds}}
        local: { {{local}} }
        seed: 3
        """);

    static Simulator Simulate(JobSpec spec, SimulationOptions? options = null) =>
        new(spec, Sites(), (options ?? new SimulationOptions()) with { Parallelism = 1, BaseDirectory = Models });

    [Fact]
    public void Global_batchnorm_tensors_stay_fixed_while_each_client_keeps_and_carries_its_own_across_rounds()
    {
        // One step of batch 50 per round: a client's running variance then moves (1 − 0.2) of the way per round from
        // where it was. Kept across rounds it closes in on its data's variance geometrically; restarted from the
        // global value every round it would stay about one step away.
        var varianceAfter = new List<float[]>[] { new(), new() };
        Simulator sim = null!;
        var options = new SimulationOptions
        {
            Events = new SimulationEvents
            {
                RoundFinished = m =>
                {
                    if (m.Round == 0) return;
                    foreach (var (client, own) in sim.Local!.Snapshot()) varianceAfter[client].Add(RunningVariance(sim, own));
                },
            },
        };
        using (sim = Simulate(Spec(true, "fedavgm", 4, "batch_size: 50, lr: 0.01, max_steps: 1"), options))
        {
            var initial = sim.Template.Flatten();
            var result = sim.Run();
            var final = result.Final.Weights;
            var local = sim.Local!.Layout;
            Assert.Equal(["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], local.Names);
            // The server (with momentum) left every BatchNorm entry of the global model as initialized, and moved the rest.
            Assert.Equal(local.Extract(initial), local.Extract(final));
            // fc1.bias feeds the BatchNorm, which subtracts it again: its gradient is zero, so it is not expected to move.
            foreach (var name in new[] { "fc1.weight", "fc2.weight", "fc2.bias" })
            {
                var (before, after) = (sim.Template.WithValues(initial)[name].Values, sim.Template.WithValues(final)[name].Values);
                Assert.All(Enumerable.Range(0, before.Length), i => Assert.NotEqual(before[i], after[i]));
            }

            var kept = sim.Local.Snapshot();
            Assert.Equal([0, 1], kept.Keys);
            Assert.NotEqual(kept[0], kept[1]);
            // Each client's statistics are its own data's: the shifted site's variance is far above the other's.
            Assert.True(varianceAfter[1][^1].Average() > 10 * varianceAfter[0][^1].Average(),
                $"variances {varianceAfter[0][^1].Average()} and {varianceAfter[1][^1].Average()}");
            // Carried across rounds: the shifted site's excess over the initial variance (1) grows round by round,
            // about (1 − 0.8^4) / 0.2 ≈ 2.95 times its first round's; without carrying it would stay near 1×.
            var excess = varianceAfter[1].Select(v => v.Average() - 1).ToArray();
            Assert.Equal(4, excess.Length);
            for (int r = 1; r < 4; r++) Assert.True(excess[r] > excess[r - 1], $"excess by round: {string.Join(", ", excess)}");
            Assert.True(excess[3] > 2.2 * excess[0], $"excess by round: {string.Join(", ", excess)}");
        }
    }

    [Fact]
    public void Fedbuff_steps_leave_the_global_batchnorm_tensors_fixed_too()
    {
        var spec = Spec(true, "fedbuff, buffer_size: 2", 3, "batch_size: 20, lr: 0.05");
        Assert.Equal(2, spec.Strategy.BufferSize);
        using var sim = Simulate(spec);
        var initial = sim.Template.Flatten();
        var result = sim.Run();
        Assert.Equal(3, result.Final.Version);
        Assert.Equal(sim.Local!.Layout.Extract(initial), sim.Local.Layout.Extract(result.Final.Weights));
        Assert.NotEqual(initial, result.Final.Weights);
        Assert.Equal([0, 1], sim.Local.Snapshot().Keys);
    }

    static float[] RunningVariance(Simulator sim, float[] own)
    {
        var flat = new float[sim.Template.Count];
        sim.Local!.Layout.Overlay(flat, own);
        return sim.Template.WithValues(flat)["bn.running_var"].Values;
    }

    [Fact]
    public void Under_a_feature_shift_each_clients_own_batchnorm_beats_the_averaged_one_on_its_own_distribution()
    {
        var tests = new[] { Trees("trees-test.csv"), Shifted(Trees("trees-test.csv")) };
        const string local = "batch_size: 10, lr: 0.05";
        double[] Accuracies(bool fedbn)
        {
            using var sim = Simulate(Spec(fedbn, "fedavg", 8, local), new SimulationOptions { EvaluateInitialModel = false });
            var final = sim.Run().Final.Weights;
            // FedBN: client i's model is the global one with its own BatchNorm; FedAvg: the global one, averaged statistics.
            return [.. Enumerable.Range(0, 2).Select(c => sim.EvaluateClient(final, c, tests[c]).Accuracy)];
        }
        var personalized = Accuracies(fedbn: true);
        var averaged = Accuracies(fedbn: false);
        // Measured: FedBN 1.00 and 1.00; FedAvg 0.35 on the unshifted site (chance: the averaged statistics are the
        // shifted site's, which dominate the mean and variance) and 1.00 on the shifted one.
        string figures = $"FedBN {string.Join(", ", personalized)} vs averaged BatchNorm {string.Join(", ", averaged)}";
        Assert.All(personalized, a => Assert.True(a >= 0.9, figures));
        Assert.True(personalized.Average() > averaged.Average() + 0.2, figures);
    }

    [Fact]
    public void A_fedbn_checkpoint_carries_each_clients_own_tensors_and_resumes_to_the_same_run()
    {
        var spec = Spec(true, "fedavg", 4, "batch_size: 20, lr: 0.05");
        SimulationCheckpoint? atTwo = null;
        float[] straight;
        using (var sim = Simulate(spec, new SimulationOptions { CheckpointEvery = 2, Events = new() { Checkpoint = c => { if (c.Round == 2) atTwo = c; } } }))
            straight = sim.Run().Final.Weights;
        var restored = SimulationCheckpoint.FromBytes(atTwo!.ToBytes());
        Assert.Equal([0, 1], restored.ClientLocal!.Keys.Order());
        using var resumed = Simulate(spec, new SimulationOptions { ResumeFrom = restored });
        Assert.Equal(straight, resumed.Run().Final.Weights);
    }

    [Fact]
    public void A_model_without_training_mode_batchnorm_is_refused_naming_model_fedbn()
    {
        var spec = JobSpecParser.Parse("name: x\nmodel: { onnx: tabular_mlp.onnx, fedbn: true }\ndata: { dataset: trees }");
        var e = Assert.Throws<JobSpecException>(() => JobPlan.From(spec).CreateModel(File.ReadAllBytes(Path.Combine(Models, "tabular_mlp.onnx"))));
        Assert.Equal("model.fedbn", e.Field);
        Assert.Contains("no BatchNorm layer", e.Message);
    }
}
