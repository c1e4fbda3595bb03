using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>Spec → strategy and spec → compiled training options, without training anything.</summary>
public class SpecMappingTests
{
    [Theory]
    [InlineData("fedsgd", "FedAvg")]
    [InlineData("fedavg", "FedAvg")]
    [InlineData("fedavgm", "FedAvgM")]
    [InlineData("fedadam", "FedAdam")]
    [InlineData("fedyogi", "FedYogi")]
    [InlineData("fedadagrad", "FedAdagrad")]
    [InlineData("fedprox", "FedProx")]
    [InlineData("scaffold", "SCAFFOLD")]
    [InlineData("fednova", "FedNova")]
    [InlineData("fedbuff", "FedAvg")]   // the server step applied to each full buffer
    public void Every_spec_strategy_maps_to_the_library_strategy(string name, string expected)
    {
        var spec = JobSpecParser.Parse($"name: s\nstrategy: {{ name: {name} }}\nlocal: {{ lr: 0.1 }}");
        var plan = JobPlan.From(spec);
        Assert.Equal(expected, plan.CreateStrategy(100).Name);
        Assert.Equal(name == "fedbuff", plan.IsAsync);
    }

    [Fact]
    public void Every_example_job_spec_parses_and_builds_its_strategy_and_local_setup()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Tessera.slnx"))) root = root.Parent;
        var files = Directory.GetFiles(Path.Combine(root!.FullName, "jobs"), "*.yaml");
        Assert.NotEmpty(files);
        Assert.All(files, f =>
        {
            var spec = JobSpecParser.Load(f);
            Assert.Equal(Path.GetFileNameWithoutExtension(f), spec.Name);
            var plan = JobPlan.From(spec);
            // A FedBN job's server step needs its model's BatchNorm tensors: import it (zoo models are refused with fedbn).
            var model = spec.Model.FedBn ? plan.CreateModel(SpecFiles.ReadModel(spec.Model, Path.GetDirectoryName(f)!)) : null;
            plan.CreateStrategy(spec.Data.Clients, model);
            LocalSetup.From(plan);
        });
    }

    [Fact]
    public void Every_strategy_name_the_parser_accepts_is_covered() =>
        Assert.All(JobSpecParser.Strategies, name =>
            JobPlan.From(JobSpecParser.Parse($"name: s\nstrategy: {{ name: {name} }}")).CreateStrategy(10));

    [Fact]
    public void Local_options_follow_the_strategy_and_the_optimizer()
    {
        var prox = Local(JobSpecParser.Parse("name: p\nstrategy: { name: fedprox, mu: 0.3 }\nlocal: { momentum: 0.9, clip_norm: 2, weight_decay: 0.001 }"));
        Assert.Equal(new TrainingOptions { BatchSize = 10, FedProx = true, Momentum = true, ClipGradientNorm = true, WeightDecay = true }, prox.Options);
        Assert.Equal((0.3f, 0.9f, 2f, 0.001f), (prox.Hyperparameters.ProxMu, prox.Hyperparameters.Momentum, prox.Hyperparameters.ClipNorm, prox.Hyperparameters.WeightDecay));

        var scaffold = Local(JobSpecParser.Parse("name: s\nstrategy: { name: scaffold }\nlocal: { optimizer: adam }"));
        Assert.Equal(new TrainingOptions { BatchSize = 10, Scaffold = true, Optimizer = OptimizerKind.Adam }, scaffold.Options);

        var fedsgd = Local(JobSpecParser.Parse("name: f\nstrategy: { name: fedsgd }"));
        Assert.Equal((600, 1), (fedsgd.BatchFor(600), fedsgd.StepsFor(600)));
        var fedavg = Local(JobSpecParser.Parse("name: f\nlocal: { epochs: 5, batch_size: 10, max_steps: 200 }"));
        Assert.Equal((10, 200), (fedavg.BatchFor(600), fedavg.StepsFor(600)));   // 5 x 60 steps capped at 200
    }

    static LocalSetup Local(JobSpec spec) => LocalSetup.From(JobPlan.From(spec));
}
