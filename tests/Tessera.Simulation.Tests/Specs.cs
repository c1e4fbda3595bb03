using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>Small job specs written as users write them (YAML), so the parser is exercised too.</summary>
internal static class Specs
{
    /// <summary>Logistic regression on the synthetic blobs; <paramref name="extra"/> adds or overrides top-level YAML.</summary>
    public static JobSpec Synthetic(string strategy, string partition, int clients, int perRound, int rounds, string local = "epochs: 1\n  batch_size: 10\n  lr: 0.1",
        string extra = "", int trainSamples = 2000, int testSamples = 500, string strategyExtra = "") =>
        JobSpecParser.Parse($"""
            name: test-{strategy}
            model: logreg
            data:
              dataset: synthetic
              partition: {partition}
              clients: {clients}
              train_samples: {trainSamples}
              test_samples: {testSamples}
            strategy:
              name: {strategy}{strategyExtra}
            local:
              {local}
            clients_per_round: {perRound}
            rounds: {rounds}
            seed: 7
            {extra}
            """);
}
