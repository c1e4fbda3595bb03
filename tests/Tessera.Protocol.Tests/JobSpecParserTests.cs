using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

public class JobSpecParserTests
{
    const string FullYaml = """
        name: mnist-cnn-scaffold
        model: cnn
        data:
          dataset: mnist
          partition: dirichlet
          clients: 250
          alpha: 0.3
          shards_per_client: 3
          train_samples: 30000
          test_samples: 5000
        strategy:
          name: scaffold
          server_lr: 0.5
          server_momentum: 0.8
          beta1: 0.85
          beta2: 0.95
          tau: 0.01
          mu: 0.05
          buffer_size: 20
          max_staleness: 4
        local:
          epochs: 5
          batch_size: 10
          lr: 0.05
          optimizer: sgd
          momentum: 0.9
          weight_decay: 0.0001
          clip_norm: 5
          max_steps: 300
        rounds: 200
        clients_per_round: 25
        fraction: 0.2
        min_clients: 5
        over_selection: 1.3
        target_accuracy: 0.99
        eval_every: 5
        seed: 42
        deadline_seconds: 60
        requirements:
          min_memory_mb: 512
          runtimes: [dotnet, browser]
          min_samples_per_second: 50
        simulation:
          samples_per_second: 250
          speed_sigma: 0.5
        """;

    [Fact]
    public void Full_yaml_spec_reads_every_field()
    {
        var s = JobSpecParser.Parse(FullYaml);
        Assert.Equal("mnist-cnn-scaffold", s.Name);
        Assert.Equal("cnn", s.Model.Zoo);
        Assert.Equal(("dirichlet", 250, 0.3, 3, 30000, 5000), (s.Data.Partition, s.Data.Clients, s.Data.Alpha, s.Data.ShardsPerClient, s.Data.TrainSamples, s.Data.TestSamples));
        Assert.Equal(("scaffold", 0.5, 0.8, 0.85, 0.95, 0.01, 0.05, 20, (int?)4),
            (s.Strategy.Name, s.Strategy.ServerLearningRate, s.Strategy.ServerMomentum, s.Strategy.Beta1, s.Strategy.Beta2, s.Strategy.Tau, s.Strategy.Mu, s.Strategy.BufferSize, s.Strategy.MaxStaleness));
        Assert.Equal((5, 10, 0.05, "sgd", 0.9, 0.0001, (double?)5, (int?)300),
            (s.Local.Epochs, s.Local.BatchSize, s.Local.LearningRate, s.Local.Optimizer, s.Local.Momentum, s.Local.WeightDecay, s.Local.ClipNorm, s.Local.MaxSteps));
        Assert.Equal((200, (int?)25, 0.2, 5, 1.3, (double?)0.99, 5, 42UL, (double?)60),
            (s.Rounds, s.ClientsPerRound, s.Fraction, s.MinClients, s.OverSelection, s.TargetAccuracy, s.EvalEvery, s.Seed, s.DeadlineSeconds));
        Assert.Equal(512, s.Requirements.MinMemoryMb);
        Assert.Equal(["dotnet", "browser"], s.Requirements.Runtimes);
        Assert.Equal((250.0, 0.5), (s.Simulation.SamplesPerSecond, s.Simulation.SpeedSigma));
    }

    [Fact]
    public void Yaml_and_json_round_trip_through_ToJson()
    {
        var fromYaml = JobSpecParser.Parse(FullYaml);
        string json = JobSpecParser.ToJson(fromYaml);
        Assert.Contains("\"server_lr\"", json);
        Assert.Contains("\"lr\"", json);
        var fromJson = JobSpecParser.Parse(json);
        Assert.Equal(json, JobSpecParser.ToJson(fromJson));
        // Lists compare by reference: they are compared apart.
        Assert.Equal(fromYaml with { Requirements = fromJson.Requirements, Data = fromYaml.Data with { Format = fromJson.Data.Format } }, fromJson);
        Assert.Equal(fromYaml.Requirements.Runtimes, fromJson.Requirements.Runtimes);
    }

    [Theory]
    [InlineData("local:\n  batchsize: 10", "local.batchsize")]
    [InlineData("strategy:\n  name: fedavg\n  server_learning_rate: 1", "strategy.server_learning_rate")]
    [InlineData("roundz: 3", "roundz")]
    [InlineData("simulation:\n  speed: 3", "simulation.speed")]
    public void Unknown_field_is_rejected_by_name(string yaml, string field) => AssertRejected(yaml, field, "unknown field");

    [Theory]
    [InlineData("fraction: 1.5", "fraction")]
    [InlineData("local:\n  lr: 0", "local.lr")]
    [InlineData("data:\n  clients: 0", "data.clients")]
    [InlineData("over_selection: 0.5", "over_selection")]
    [InlineData("patience: 0", "patience")]
    [InlineData("simulation:\n  speed_sigma: -1", "simulation.speed_sigma")]
    public void Out_of_range_value_is_rejected_by_name(string yaml, string field) => AssertRejected(yaml, field, "out of range");

    [Theory]
    [InlineData("rounds: ten", "rounds", "not a whole number")]
    [InlineData("patience: 2.5", "patience", "not a whole number")]
    [InlineData("local:\n  epochs: 1.5", "local.epochs", "not a whole number")]
    [InlineData("local:\n  lr: fast", "local.lr", "not a number")]
    [InlineData("data: iid", "data", "must be a mapping")]
    [InlineData("strategy:\n  name: fedfoo", "strategy.name", "is not one of")]
    public void Wrong_type_is_rejected_by_name(string yaml, string field, string message) => AssertRejected(yaml, field, message);

    [Fact]
    public void Fedsgd_means_full_batch_and_one_epoch()
    {
        var s = JobSpecParser.Parse("name: sgd\nstrategy: { name: fedsgd }\nlocal: { lr: 0.2 }");
        Assert.Equal((0, 1), (s.Local.BatchSize, s.Local.Epochs));
        AssertRejected("strategy: { name: fedsgd }\nlocal: { batch_size: 10 }", "local.batch_size", "full data");
        AssertRejected("strategy: { name: fedsgd }\nlocal: { epochs: 5 }", "local.epochs", "1 epoch");
        Assert.Equal(0, JobSpecParser.Parse("name: x\nstrategy: { name: fedsgd }\nlocal: { batch_size: full }").Local.BatchSize);
    }

    static void AssertRejected(string yaml, string field, string message)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: t\n" + yaml));
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message);
        Assert.StartsWith(field + ":", e.Message);
    }
}
