using Tessera.Federation;
using Tessera.Federation.Strategies;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation;

/// <summary>
/// Maps a job spec's strategy section onto the Federation library's strategies, so the simulator and the
/// coordinator run the same server code. "fedsgd" is FedAvg: what makes it FedSGD is the local side
/// (batch_size 0 = each client's full data as one batch, epochs 1), which the spec parser enforces.
/// "fedbuff" returns the server step (FedAvg with server_lr) that each full buffer is applied with.
/// </summary>
public static class StrategyFactory
{
    /// <param name="clientsWithData">Clients that can be selected (N in SCAFFOLD's c ← c + |S|/N·mean Δc).</param>
    public static IStrategy Create(JobSpec spec, int clientsWithData)
    {
        var s = spec.Strategy;
        var selector = Selector(spec);
        float lr = (float)s.ServerLearningRate;
        return s.Name switch
        {
            "fedsgd" or "fedavg" or "fedbuff" => new FedAvg(selector, serverLearningRate: lr),
            "fedavgm" => new FedAvgM(selector, serverLearningRate: lr, momentum: (float)s.ServerMomentum),
            "fedadam" => new FedAdam(selector, serverLearningRate: lr, beta1: (float)s.Beta1, beta2: (float)s.Beta2, tau: (float)s.Tau),
            "fedyogi" => new FedYogi(selector, serverLearningRate: lr, beta1: (float)s.Beta1, beta2: (float)s.Beta2, tau: (float)s.Tau),
            "fedadagrad" => new FedAdagrad(selector, serverLearningRate: lr, beta1: (float)s.Beta1, tau: (float)s.Tau),
            "fedprox" => new FedProx(s.Mu, selector, serverLearningRate: lr),
            "scaffold" => new Scaffold(clientsWithData, selector, globalLearningRate: lr),
            "fednova" => new FedNova(selector, serverLearningRate: lr),
            var name => throw new JobSpecException("strategy.name", $"'{name}' is not supported by the simulator"),
        };
    }

    public static bool IsAsync(JobSpec spec) => spec.Strategy.Name == "fedbuff";

    static ClientSelector Selector(JobSpec spec) =>
        new(spec.Fraction, spec.ClientsPerRound, spec.MinClients, spec.OverSelection, SeedMixer.Derive(spec.Seed, SeedMixer.Selection));
}
