using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

public class FedAvgTests
{
    [Fact]
    public void Weighted_mean_matches_hand_computation()
    {
        var strategy = new FedAvg();
        var model = strategy.Initialize([10f, 20f, 30f]);
        var agg = strategy.BeginRound(1, model);
        agg.Fold(Updates.Of("a", [2f, -4f, 6f], samples: 10));
        agg.Fold(Updates.Of("b", [-1f, 1f, 0f], samples: 30));
        agg.Fold(Updates.Of("c", [4f, 0f, -2f], samples: 60));

        var result = agg.Finish();

        // (10·2 − 30·1 + 60·4)/100 = 2.3;  (−40 + 30)/100 = −0.1;  (60 − 120)/100 = −0.6
        Approx.Equal([2.3, -0.1, -0.6], result.Delta, 1e-6);
        Assert.Equal(3, result.ClientCount);
        Assert.Equal(100, result.TotalSamples);

        var next = strategy.Apply(model, result);
        Approx.Equal([12.3, 19.9, 29.4], next.Weights, 1e-5);
        Assert.Equal(1, next.Version);
        Assert.Equal([10f, 20f, 30f], model.Weights); // Apply must not mutate the old model
    }

    [Fact]
    public void Server_learning_rate_scales_the_step()
    {
        var strategy = new FedAvg(serverLearningRate: 0.5f);
        var model = strategy.Initialize([1f, 2f]);
        var agg = strategy.BeginRound(1, model);
        agg.Fold(Updates.Of("a", [1f, 0f], samples: 1));
        agg.Fold(Updates.Of("b", [0f, 3f], samples: 3));

        var next = strategy.Apply(model, agg.Finish());

        // mean = [0.25, 2.25]; x + 0.5·mean
        Approx.Equal([1.125, 3.125], next.Weights, 1e-6);
    }

    [Fact]
    public void FedProx_ships_mu_to_clients_and_aggregates_like_FedAvg()
    {
        var hp = new Dictionary<string, double> { ["lr"] = 0.05, ["local_epochs"] = 2 };
        var strategy = new FedProx(0.01, new ClientSelector(count: 2, overSelection: 1.0), hp);
        var model = strategy.Initialize([0f]);

        var plan = strategy.ConfigureRound(1, model, ["a", "b", "c"]);

        Assert.Equal(2, plan.Clients.Count);
        Assert.All(plan.Clients, c =>
        {
            Assert.Equal(0.01, c.Hyperparameters[FedProx.ProxMuKey]);
            Assert.Equal(0.05, c.Hyperparameters["lr"]);
            Assert.Equal(2, c.Hyperparameters["local_epochs"]);
            Assert.Null(c.ServerControlVariate);
        });

        var agg = strategy.BeginRound(1, model);
        agg.Fold(Updates.Of("a", [1f], samples: 1));
        agg.Fold(Updates.Of("b", [4f], samples: 2));
        Approx.Equal([3.0], strategy.Apply(model, agg.Finish()).Weights, 1e-6);
    }

    [Fact]
    public void Round_plan_carries_version_target_and_over_selected_clients()
    {
        var strategy = new FedAvg(new ClientSelector(count: 10, overSelection: 1.3, seed: 7));
        var model = new GlobalModel([0f], 5, ServerState.Empty);
        var clients = Enumerable.Range(0, 50).Select(i => $"c{i}").ToArray();

        var plan = strategy.ConfigureRound(3, model, clients);

        Assert.Equal(3, plan.Round);
        Assert.Equal(5, plan.ModelVersion);
        Assert.Equal(10, plan.TargetResults);
        Assert.Equal(13, plan.Clients.Count);
        Assert.All(plan.Clients, c => Assert.Equal(5, c.ModelVersion));
    }
}
