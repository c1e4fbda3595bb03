using Tessera.Federation.Personalization;
using Tessera.Federation.Strategies;
using Tessera.Graphs.Training;

namespace Tessera.Federation.Tests;

/// <summary>
/// The FedBN server step: whatever the aggregate holds for the client-local entries (zero from honest clients, but
/// momentum, adaptive moments or a careless worker could move them), the global values there never change, while
/// every other entry takes the inner strategy's step unchanged.
/// </summary>
public class FedBnStrategyTests
{
    // Layout: "fc.weight" (4 values), "bn.weight" (2, local), "fc.bias" (2), "bn.running_var" (2, local).
    static readonly TensorSpec[] Parameters = [new("fc.weight", [2, 2]), new("bn.weight", [2]), new("fc.bias", [2]), new("bn.running_var", [2])];
    static readonly LocalTensors Bn = LocalTensors.From(Parameters, ["bn.weight", "bn.running_var"]);
    static readonly int[] LocalEntries = [4, 5, 8, 9];
    static readonly float[] Initial = [0.1f, 0.2f, 0.3f, 0.4f, 1f, 1f, 0f, 0f, 1f, 1f];

    public static TheoryData<string> Servers => ["fedavg", "fedavgm", "fedadam", "scaffold"];

    static IStrategy Server(string name) => name switch
    {
        "fedavg" => new FedAvg(),
        "fedavgm" => new FedAvgM(momentum: 0.9f),
        "fedadam" => new FedAdam(serverLearningRate: 0.1f),
        _ => new Scaffold(totalClients: 2),
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public void Local_entries_keep_their_global_values_over_rounds_while_the_rest_takes_the_inner_step(string name)
    {
        var fedbn = new FedBnStrategy(Server(name), Bn);
        var plain = Server(name);
        GlobalModel withBn = fedbn.Initialize(Initial), without = plain.Initialize(Initial);
        var rng = new Random(5);
        for (int round = 1; round <= 3; round++)
        {
            // Non-zero everywhere, the local entries included: the server must not take them.
            var delta = Updates.Random(rng, Initial.Length);
            var dc = name == "scaffold" ? Updates.Random(rng, Initial.Length) : null;
            var aggregate = new RoundAggregate(round, delta, 2, 20, dc);
            withBn = fedbn.Apply(withBn, aggregate);
            without = plain.Apply(without, aggregate);
            Assert.Equal(round, withBn.Version);
        }
        foreach (int i in LocalEntries) Assert.Equal(Initial[i], withBn.Weights[i]);
        for (int i = 0; i < Initial.Length; i++)
        {
            if (LocalEntries.Contains(i)) continue;
            Assert.NotEqual(Initial[i], withBn.Weights[i]);
            // The inner step's state sees zeros at the local entries; elsewhere FedAvg/FedAvgM/SCAFFOLD are element-wise,
            // so those entries match the plain strategy exactly (FedAdam too: its moments are element-wise).
            Assert.Equal(without.Weights[i], withBn.Weights[i], 6);
        }
        if (name == "scaffold")
            foreach (int i in LocalEntries) Assert.Equal(0f, withBn.State.Get(Scaffold.ControlVariateKey)![i]);
    }

    [Fact]
    public void The_aggregate_passed_in_is_not_modified()
    {
        var delta = Enumerable.Repeat(0.5f, Initial.Length).ToArray();
        new FedBnStrategy(new FedAvg(), Bn).Apply(GlobalModel.Initial(Initial), new RoundAggregate(1, delta, 1, 1));
        Assert.All(delta, d => Assert.Equal(0.5f, d));
    }

    [Fact]
    public void Local_tensors_extract_and_overlay_their_ranges_only()
    {
        var weights = Enumerable.Range(0, Initial.Length).Select(i => (float)i).ToArray();
        Assert.Equal([4f, 5f, 8f, 9f], Bn.Extract(weights));
        var target = new float[Initial.Length];
        Bn.Overlay(target, [40f, 50f, 80f, 90f]);
        Assert.Equal([0f, 0f, 0f, 0f, 40f, 50f, 0f, 0f, 80f, 90f], target);
        Bn.Clear(target);
        Assert.All(target, v => Assert.Equal(0f, v));
        Assert.Equal(["bn.weight", "bn.running_var"], Bn.Names);
        var e = Assert.Throws<ArgumentException>(() => LocalTensors.From(Parameters, ["bn.running_mean"]));
        Assert.Contains("'bn.running_mean'", e.Message);
    }
}
