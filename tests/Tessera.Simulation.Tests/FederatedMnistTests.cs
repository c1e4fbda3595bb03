using Tessera.Protocol.Jobs;
using Xunit.Abstractions;

namespace Tessera.Simulation.Tests;

public class FederatedMnistTests(ITestOutputHelper output)
{
    [Fact]
    public void FedAvg_2NN_on_IID_MNIST_subset_improves_round_over_round()
    {
        var spec = JobSpecParser.Parse("""
            name: mnist-small
            model: 2nn
            data: { dataset: mnist, partition: iid, clients: 20, train_samples: 6000, test_samples: 2000 }
            strategy: { name: fedavg }
            local: { epochs: 2, batch_size: 10, lr: 0.1 }
            clients_per_round: 5
            rounds: 6
            seed: 3
            """);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        var result = sim.Run();
        var acc = result.Rounds.Select(r => r.TestAccuracy!.Value).ToArray();
        output.WriteLine(string.Join(", ", acc.Select(a => a.ToString("P1"))));

        Assert.Equal(7, acc.Length);                    // round 0 (initial) + 6 rounds
        Assert.True(acc[0] < 0.3, $"initial model should be near chance, got {acc[0]:P1}");
        Assert.True(acc[1] > acc[0] + 0.3, "the first round should help a lot");
        Assert.True(acc[^1] > acc[1], "later rounds should keep improving");
        Assert.True(acc[^1] >= 0.85, $"final accuracy {acc[^1]:P1} < 85%");
        Assert.All(result.Rounds.Skip(1), r => Assert.Equal(5, r.Clients));
        Assert.All(result.Rounds.Skip(1), r => Assert.Equal(5 * 300, r.Samples));   // 6000 / 20 clients each
    }
}
