using System.Numerics.Tensors;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Federation.Strategies;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>
/// SCAFFOLD over secure aggregation: each client masks its control-variate delta Δc_i beside its update, scaled into
/// the update's units and clipped like it, so the server learns only the cohort's mean Δc. The unmasked aggregate is
/// SCAFFOLD's own, up to quantization, and one client's Δc moves c by a bounded amount.
/// </summary>
public class SecureScaffoldTests
{
    static readonly JobSpec Spec = JobSpecParser.Parse("""
        name: sc
        strategy: { name: scaffold }
        clients_per_round: 4
        local: { lr: 0.1 }
        verification: { replay: off }
        privacy: { secure_aggregation: { clip: 10 } }
        """);

    // Updates after 10 steps at lr 0.1 (lr·K = 1), with control deltas of the same order (Δc·lr·K/2 well within the clip of 10).
    static readonly ClientUpdate[] Updates =
    [
        new("a", [1f, 0f, 2f, -1f], 400, LocalSteps: 10, ControlVariateDelta: [-1f, 0f, -2f, 1f]),
        new("b", [0.1f, 0.3f, 0f, 0.2f], 100, LocalSteps: 10, ControlVariateDelta: [-0.1f, -0.3f, 0f, -0.2f]),
        new("c", [-0.2f, 0.1f, 0.1f, 0f], 200, LocalSteps: 10, ControlVariateDelta: [0.2f, -0.1f, 3f, 0f]),
        new("d", [0.05f, -0.05f, 0.3f, 0.1f], 300, LocalSteps: 10, ControlVariateDelta: [-0.05f, 0.05f, -0.3f, 4f]),
    ];

    static RoundAggregate Aggregate(IRoundAggregator aggregator, IEnumerable<ClientUpdate> updates)
    {
        foreach (var u in updates) aggregator.Fold(u);
        return aggregator.Finish();
    }

    static double Distance(float[] a, float[] b)
    {
        var d = new float[a.Length];
        TensorPrimitives.Subtract(a, b, d);
        return TensorPrimitives.Norm(d);
    }

    static readonly Scaffold Strategy = new(totalClients: 10);
    static GlobalModel Model => Strategy.Initialize(new float[4]);

    [Fact]
    public void The_unmasked_scaffold_aggregate_is_scaffolds_plain_aggregate_control_deltas_included()
    {
        var plain = Aggregate(Strategy.BeginRound(1, Model), Updates);
        var aggregator = new SecureRoundAggregator(Spec, null, Strategy, Model, 1, cohort: 4);
        var secure = Aggregate(aggregator, Updates);
        Assert.NotNull(secure.ControlVariateDelta);
        Assert.True(Distance(plain.Delta, secure.Delta) < 1e-3, $"secure Δ {string.Join(", ", secure.Delta)} against plain {string.Join(", ", plain.Delta)}");
        Assert.True(Distance(plain.ControlVariateDelta!, secure.ControlVariateDelta!) < 1e-3,
            $"secure Δc {string.Join(", ", secure.ControlVariateDelta!)} against plain {string.Join(", ", plain.ControlVariateDelta!)}");
        // SCAFFOLD's means are unweighted: a sample-weighted mean would differ by far more than the quantization.
        var weighted = Aggregate(new FedAvg().BeginRound(1, Model), Updates);
        Assert.True(Distance(weighted.Delta, secure.Delta) > 0.05);
        // The server step reads both: c moves by |S|/N of the mean Δc.
        var next = Strategy.Apply(Model, secure);
        Assert.Equal(0.4 * secure.ControlVariateDelta![3], next.State.Get(Scaffold.ControlVariateKey)![3], 5);
        // Each counted client is told the Δc_i the round summed: unclipped here, so its own.
        Assert.Equal(Updates.Select(u => u.ClientId), aggregator.CountedControls.Keys.Order());
        Assert.Equal(Updates[2].ControlVariateDelta!, aggregator.CountedControls["c"]);
    }

    [Fact]
    public void One_clients_huge_control_delta_moves_the_mean_by_at_most_the_clip_over_the_scale_and_the_cohort()
    {
        var huge = Updates.Select((u, i) => i == 0 ? u with { ControlVariateDelta = [1e6f, -1e6f, 1e6f, 1e6f] } : u).ToArray();
        var honest = Aggregate(new SecureRoundAggregator(Spec, null, Strategy, Model, 1, cohort: 4), Updates.Skip(1).Append(Updates[0] with { ControlVariateDelta = new float[4] }));
        var aggregator = new SecureRoundAggregator(Spec, null, Strategy, Model, 1, cohort: 4);
        var attacked = Aggregate(aggregator, huge);
        double scale = SecureRoundTerms.ControlScale(Spec, Updates.Select(u => u.LocalSteps));
        Assert.Equal(0.1 * 10 / 2, scale, 9);
        double bound = 10 / scale / 4;   // C / s, averaged over the cohort of 4
        double moved = Distance(attacked.ControlVariateDelta!, honest.ControlVariateDelta!);
        Assert.True(moved <= bound * 1.001, $"the attacker moved the mean Δc by {moved:G4}, more than {bound:G4}");
        Assert.True(moved > 0.9 * bound, $"moved {moved:G4}: the clipped Δc should still count at full bound {bound:G4}");
        // The attacker's own c_i moves by the clipped Δc it was counted with, so c stays the mean of the c_i.
        Assert.Equal(10 / scale, TensorPrimitives.Norm(aggregator.CountedControls["a"]), 3);
    }

    [Fact]
    public void A_scaffold_round_masks_the_model_twice_over_and_refuses_an_update_without_its_control_delta()
    {
        var task = SecureRoundTerms.Task(Spec, null, 4, "sc", 1, 1, 1, 4, weightCap: 0, clip: 10, stageUrl: "", controlScale: 0.5);
        Assert.Equal(4 + 4 + 2, task.Parameters.Length);
        var format = new SecureUpdateFormat(4, task);
        Assert.Throws<ArgumentException>(() => format.Encode([1f, 0f, 0f, 0f], 10, 10, new Random(1), new Tessera.Data.DeterministicRandom(1)));
        Assert.Throws<ArgumentException>(() => SecureRoundTerms.Task(Spec, null, 4, "sc", 1, 1, 1, 4, 0, 10, "", controlScale: 0));
        var aggregator = new SecureRoundAggregator(Spec, null, Strategy, Model, 1, cohort: 4);
        foreach (var u in Updates.Take(3)) aggregator.Fold(u);
        aggregator.Fold(Updates[3] with { ControlVariateDelta = null });
        Assert.Throws<InvalidUpdateException>(aggregator.Finish);
        // Other strategies carry no control lane.
        Assert.Equal(0, SecureRoundTerms.ControlScale(JobSpecParser.Parse("name: a\nclients_per_round: 4\nverification: { replay: off }\nprivacy: { secure_aggregation: true }"), [3, 9]));
    }
}
