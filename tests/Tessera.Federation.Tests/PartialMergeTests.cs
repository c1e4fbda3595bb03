using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

/// <summary>A round folded on several aggregator nodes and merged must equal one node folding everything.</summary>
public class PartialMergeTests
{
    private const int Length = 257;

    private static ClientUpdate[] MakeUpdates(int seed, bool withControlVariates)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, 30)
            .Select(i => Updates.Of($"c{i}", Updates.Random(rng, Length), samples: rng.Next(1, 500), steps: rng.Next(1, 20),
                dc: withControlVariates ? Updates.Random(rng, Length) : null))
            .ToArray();
    }

    public static TheoryData<string> Strategies => ["FedAvg", "FedNova", "SCAFFOLD"];

    private static IStrategy Make(string name) => name switch
    {
        "FedAvg" => new FedAvg(),
        "FedNova" => new FedNova(),
        _ => new Scaffold(totalClients: 100),
    };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Merged_partials_equal_a_single_node(string name)
    {
        var strategy = Make(name);
        var model = strategy.Initialize(new float[Length]);
        var updates = MakeUpdates(11, withControlVariates: name == "SCAFFOLD");

        var single = strategy.BeginRound(1, model);
        foreach (var u in updates)
            single.Fold(u);
        var expected = single.Finish();

        var nodes = Enumerable.Range(0, 3).Select(_ => strategy.BeginRound(1, model)).ToArray();
        for (int i = 0; i < updates.Length; i++)
            nodes[i % 3].Fold(updates[i]);
        var job = strategy.BeginRound(1, model);
        foreach (var node in nodes)
            job.Merge(node.TakePartial());
        var merged = job.Finish();

        Approx.Equal(expected.Delta, merged.Delta, 1e-5);
        Assert.Equal(expected.ClientCount, merged.ClientCount);
        Assert.Equal(expected.TotalSamples, merged.TotalSamples);
        if (expected.ControlVariateDelta is not null)
            Approx.Equal(expected.ControlVariateDelta, merged.ControlVariateDelta!, 1e-5);
    }

    [Fact]
    public void Client_counted_on_two_nodes_rejects_the_whole_partial()
    {
        var strategy = new FedAvg();
        var model = strategy.Initialize([0f]);
        var nodeA = strategy.BeginRound(1, model);
        var nodeB = strategy.BeginRound(1, model);
        nodeA.Fold(Updates.Of("x", [1f]));
        nodeB.Fold(Updates.Of("x", [5f]));
        nodeB.Fold(Updates.Of("y", [9f]));

        var job = strategy.BeginRound(1, model);
        job.Merge(nodeA.TakePartial());
        Assert.Throws<InvalidUpdateException>(() => job.Merge(nodeB.TakePartial()));

        var result = job.Finish();
        Assert.Equal(1, result.ClientCount);
        Approx.Equal([1.0], result.Delta, 0);
    }

    [Fact]
    public void Partial_from_another_round_or_after_taking_is_refused()
    {
        var strategy = new FedAvg();
        var model = strategy.Initialize([0f]);
        var node = strategy.BeginRound(2, model);
        node.Fold(Updates.Of("a", [1f]));
        var partial = node.TakePartial();

        Assert.Throws<InvalidOperationException>(() => node.Fold(Updates.Of("b", [1f])));
        Assert.Throws<ArgumentException>(() => strategy.BeginRound(3, model).Merge(partial));
    }
}
