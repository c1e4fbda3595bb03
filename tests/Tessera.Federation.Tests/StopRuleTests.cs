using Tessera.Federation;

namespace Tessera.Federation.Tests;

/// <summary>When a job stops early: at its target accuracy, or once patience rounds pass without a new best.</summary>
public class StopRuleTests
{
    [Fact]
    public void Target_stops_at_the_first_round_that_reaches_it()
    {
        var rule = new StopRule(target: 0.9, patience: null);
        Assert.False(rule.Observe(1, 0.5));
        Assert.False(rule.Observe(2, 0.89));
        Assert.True(rule.Observe(3, 0.9));
        Assert.Equal(3, rule.ReachedAt);
        Assert.True(rule.Observe(4, 0.2));   // once reached, stays reached
        Assert.Equal(3, rule.ReachedAt);
        Assert.Null(rule.PatienceRanOutAt);
    }

    [Fact]
    public void Patience_counts_rounds_since_the_best_and_a_new_best_restarts_it()
    {
        var rule = new StopRule(target: null, patience: 3);
        Assert.False(rule.Observe(1, 0.5));
        Assert.False(rule.Observe(2, 0.7));
        Assert.False(rule.Observe(3, 0.7));   // equal is not better
        Assert.False(rule.Observe(4, 0.6));
        Assert.False(rule.Observe(5, 0.71));  // new best at 5
        Assert.False(rule.Observe(7, 0.1));   // a collapse (eval_every 2: rounds 6 and 8 not evaluated)
        Assert.True(rule.Observe(8, 0.1));
        Assert.Equal((8, 5, 0.71), (rule.PatienceRanOutAt!.Value, rule.BestRound, rule.BestAccuracy));
        Assert.Null(rule.ReachedAt);
        Assert.Equal("no new best test accuracy for 3 rounds (best 71.00% at round 5); stopped at round 8", rule.Reason);
    }

    [Fact]
    public void Without_target_or_patience_it_never_stops()
    {
        var rule = new StopRule(null, null);
        for (int r = 1; r <= 1000; r++) Assert.False(rule.Observe(r, r == 1 ? 0.9 : 0.1));
        Assert.Null(rule.Reason);
    }
}
