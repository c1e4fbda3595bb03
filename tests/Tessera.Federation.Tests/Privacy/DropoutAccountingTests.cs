using Tessera.Federation.Planning;
using Tessera.Federation.Privacy;
using Tessera.Federation.Privacy.Accounting;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests.Privacy;

/// <summary>
/// The dropout-aware accountant: a distributed round whose sum holds s of the m planned noise shares had noise
/// multiplier z·√(s/m); the round records s with the model, and the job's ε and its budget stop charge it so.
/// </summary>
public class DropoutAccountingTests
{
    static readonly JobSpec Spec = JobSpecParser.Parse("""
        name: dropouts
        clients_per_round: 4
        data: { clients: 8 }
        rounds: 50
        verification: { replay: off }
        privacy: { secure_aggregation: true, dp: { mode: distributed, noise_multiplier: 3, clip: 1.0, target_epsilon: 4 } }
        """);

    static readonly PrivacyPlan Plan = PrivacyPlan.From(Spec)!;

    static GlobalModel After(params int?[] shares)
    {
        var strategy = new PrivateStrategy(new Strategies.FedAvg(), Plan.Mechanism, _ => new Tessera.Data.DeterministicRandom(1));
        var model = strategy.Initialize(new float[3]);
        foreach (var s in shares)
            model = strategy.Apply(model, new RoundAggregate((int)model.Version + 1, new float[3], s ?? 4, 40, Privacy: new PrivateRound(1, 0.1, null, 1, s)));
        return model;
    }

    [Fact]
    public void A_round_with_every_share_costs_what_the_plan_says_and_a_short_round_costs_its_real_noise()
    {
        Assert.Equal(Plan.SpentAfter(3).Epsilon, Plan.SpentBy(After(null, null, null)).Epsilon, 12);
        var model = After(null, 2, null);
        Assert.Equal([2f], PrivateStrategy.ShortRounds(model));
        var expected = new RdpAccountant().Compose(Plan.Step, 2).Compose(Plan.Step with { NoiseMultiplier = 3 * Math.Sqrt(2 / 4.0) });
        Assert.Equal(expected.Epsilon(Plan.Spec.Delta).Epsilon, Plan.SpentBy(model).Epsilon, 12);
        Assert.True(Plan.SpentBy(model).Epsilon > Plan.SpentAfter(3).Epsilon);
    }

    [Fact]
    public void Short_rounds_end_the_budget_before_the_planned_round_limit()
    {
        Assert.InRange(Plan.MaxRounds, 4, 49);
        var full = After(Enumerable.Repeat<int?>(null, (int)Plan.MaxRounds - 1).ToArray());
        Assert.False(Plan.Exhausted(full));
        Assert.Null(Plan.StopReason(full, Spec.Rounds));
        // The same number of rounds, each with two of the four shares missing: the budget is spent sooner.
        var short_ = After(Enumerable.Repeat<int?>(2, (int)Plan.MaxRounds - 1).ToArray());
        Assert.True(Plan.Exhausted(short_), $"ε = {Plan.SpentBy(short_).Epsilon:G4} after {short_.Version} short rounds");
        Assert.StartsWith("privacy budget", Plan.StopReason(short_, Spec.Rounds));
    }
}
