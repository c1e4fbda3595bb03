using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

public class ScaffoldTests
{
    [Fact]
    public void Server_updates_model_and_control_variate_per_paper()
    {
        var strategy = new Scaffold(totalClients: 10, selector: new ClientSelector(count: 2, overSelection: 1));
        var model = strategy.Initialize([0f, 0f]);
        Approx.Equal([0.0, 0.0], model.State.Get(Scaffold.ControlVariateKey)!, 0);

        var agg = strategy.BeginRound(1, model);
        // Unweighted means (sample counts deliberately unequal): mean Δy = [2, 0], mean Δc = [1, 0].
        agg.Fold(Updates.Of("a", [1f, 2f], samples: 1, dc: [0.5f, 1f]));
        agg.Fold(Updates.Of("b", [3f, -2f], samples: 100, dc: [1.5f, -1f]));
        var result = agg.Finish();
        Approx.Equal([1.0, 0.0], result.ControlVariateDelta!, 1e-7);

        var next = strategy.Apply(model, result);

        Approx.Equal([2.0, 0.0], next.Weights, 1e-6);
        // c ← c + (|S|/N)·mean Δc = (2/10)·[1, 0]
        Approx.Equal([0.2, 0.0], next.State.Get(Scaffold.ControlVariateKey)!, 1e-7);

        // The next round's clients receive the new c.
        var plan = strategy.ConfigureRound(2, next, ["a", "b", "c"]);
        Assert.All(plan.Clients, c => Approx.Equal([0.2, 0.0], c.ServerControlVariate!, 1e-7));

        // A second round keeps accumulating: c = [0.2, 0] + (1/10)·[−1, 3]
        var agg2 = strategy.BeginRound(2, next);
        agg2.Fold(Updates.Of("c", [0f, 0f], dc: [-1f, 3f], baseVersion: next.Version));
        var after = strategy.Apply(next, agg2.Finish());
        Approx.Equal([0.1, 0.3], after.State.Get(Scaffold.ControlVariateKey)!, 1e-7);
        Assert.Equal(2, after.Version);
    }

    [Fact]
    public void Update_without_control_variate_is_rejected()
    {
        var strategy = new Scaffold(totalClients: 4);
        var agg = strategy.BeginRound(1, strategy.Initialize([0f]));
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("a", [1f])));
    }

    [Fact]
    public void Sample_weighting_of_model_deltas_is_opt_in()
    {
        var strategy = new Scaffold(totalClients: 4, weightDeltasBySamples: true);
        var agg = strategy.BeginRound(1, strategy.Initialize([0f]));
        agg.Fold(Updates.Of("a", [1f], samples: 1, dc: [1f]));
        agg.Fold(Updates.Of("b", [4f], samples: 3, dc: [3f]));
        var result = agg.Finish();
        Approx.Equal([3.25], result.Delta, 1e-6);
        Approx.Equal([2.0], result.ControlVariateDelta!, 1e-6); // Δc stays unweighted
    }
}
