using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

public class FedNovaTests
{
    [Fact]
    public void Unequal_local_steps_follow_the_normalized_formula()
    {
        var strategy = new FedNova();
        var model = strategy.Initialize([0f, 0f]);
        var agg = strategy.BeginRound(1, model);
        agg.Fold(Updates.Of("a", [4f, 8f], samples: 1, steps: 4));
        agg.Fold(Updates.Of("b", [1f, -1f], samples: 3, steps: 1));

        var result = agg.Finish();

        // p = [1/4, 3/4]; d = ¼·[4,8]/4 + ¾·[1,−1] = [1, −0.25]; τ_eff = ¼·4 + ¾·1 = 1.75
        Approx.Equal([1.75, -0.4375], result.Delta, 1e-6);
        Approx.Equal([1.75, -0.4375], strategy.Apply(model, result).Weights, 1e-6);
    }

    [Fact]
    public void Equal_local_steps_reduce_to_FedAvg()
    {
        var rng = new Random(5);
        var updates = Enumerable.Range(0, 12)
            .Select(i => Updates.Of($"c{i}", Updates.Random(rng, 64), samples: rng.Next(1, 100), steps: 7))
            .ToArray();
        var model = GlobalModel.Initial(new float[64]);
        var nova = new FedNova().BeginRound(1, model);
        var avg = new FedAvg().BeginRound(1, model);
        foreach (var u in updates)
        {
            nova.Fold(u);
            avg.Fold(u);
        }

        Approx.Equal(avg.Finish().Delta, nova.Finish().Delta, 1e-5);
    }
}
