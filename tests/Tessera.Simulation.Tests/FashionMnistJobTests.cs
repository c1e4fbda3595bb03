using Tessera.Protocol.Jobs;
using Xunit.Abstractions;

namespace Tessera.Simulation.Tests;

/// <summary>
/// The committed real job (jobs/fashion-mnist-groupnorm-cnn.yaml: a PyTorch GroupNorm CNN on non-IID Fashion-MNIST),
/// cut to a CI-sized run: the same spec file, model and partition, on a 6,000-image subset for three rounds. The full
/// run reaches 86.1% at round 8 (docs/RESULTS.md).
/// </summary>
public class FashionMnistJobTests(ITestOutputHelper output)
{
    [Fact]
    public void The_pytorch_groupnorm_cnn_job_learns_fashion_mnist_across_non_iid_clients()
    {
        var jobs = Path.Combine(Root(), "jobs");
        var spec = JobSpecParser.Load(Path.Combine(jobs, "fashion-mnist-groupnorm-cnn.yaml"),
            [SpecOverride.Parse("data.train_samples=6000"), SpecOverride.Parse("data.test_samples=2000"), SpecOverride.Parse("rounds=3")]);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2, BaseDirectory = jobs });
        Assert.Equal("fmnist_groupnorm_cnn", sim.Model.Name);
        Assert.Equal(114_410, sim.Model.ParameterCount);
        var acc = sim.Run().Rounds.Select(r => r.TestAccuracy!.Value).ToArray();
        output.WriteLine(string.Join(", ", acc.Select(a => a.ToString("P1"))));
        Assert.True(acc[0] < 0.2, $"an untrained model is near chance, got {acc[0]:P1}");
        // 300 images a client, non-IID: slow going, but every round helps and the third is far above chance (44.6% measured).
        for (int r = 1; r < acc.Length; r++) Assert.True(acc[r] > acc[r - 1], $"round {r} did not improve: {acc[r - 1]:P1} -> {acc[r]:P1}");
        Assert.True(acc[^1] > 0.35, $"three rounds on 6,000 images should pass 35%, got {acc[^1]:P1}");
    }

    static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }
}
