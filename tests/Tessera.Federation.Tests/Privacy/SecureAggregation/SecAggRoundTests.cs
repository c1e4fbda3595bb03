using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

public class SecAggRoundTests
{
    const int Length = 64;

    static void SumsExactly(int n, SecAggDropouts dropouts, int? degree = null, int? threshold = null)
    {
        var p = Rounds.Parameters(n, Length, degree, threshold);
        var q = Rounds.Quantizer(n);
        var run = SecAggSimulation.Run(p, c => Rounds.Words(q, c, Length), dropouts, seed: 11);
        Assert.True(run.Result is not null, run.Failure);
        var survivors = run.Result.Survivors;
        var expectedSurvivors = Enumerable.Range(1, n).Where(c => !dropouts.BeforeAdvertise.Contains(c) && !dropouts.BeforeShareKeys.Contains(c)
            && !dropouts.BeforeMaskedInput.Contains(c)).ToList();
        Assert.Equal(expectedSurvivors, survivors);
        Assert.Equal(Rounds.PlainSum(survivors.Select(c => Rounds.Words(q, c, Length)), p.Bits), run.Result.Sum);
        var decoded = new float[Length];
        q.Dequantize(run.Result.Sum, survivors.Count, decoded);
        for (int i = 0; i < Length; i++)
        {
            double plain = survivors.Sum(c => Math.Clamp(Rounds.Floats(c, Length)[i], -Rounds.Clip, Rounds.Clip));
            Assert.True(Math.Abs(decoded[i] - plain) <= q.ErrorBound(survivors.Count) + 1e-4, $"coordinate {i}: {decoded[i]} vs {plain}");
        }
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.1, 0)]
    [InlineData(0.1, 1)]
    [InlineData(0.1, 2)]
    [InlineData(0.1, 3)]
    [InlineData(0.3, 0)]
    [InlineData(0.3, 1)]
    [InlineData(0.3, 2)]
    [InlineData(0.3, 3)]
    public void The_unmasked_sum_is_the_plain_sum_with_dropouts_at_a_stage(double fraction, int stage) =>
        SumsExactly(20, SecAggDropouts.AtStage(20, stage, fraction, seed: stage));

    [Fact]
    public void The_unmasked_sum_is_the_plain_sum_with_dropouts_at_every_stage() =>
        SumsExactly(20, SecAggDropouts.Random(20, [0.1, 0.1, 0.1, 0.1], seed: 4));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void A_sparse_graph_sums_exactly_with_dropouts_after_masking(double fraction) =>
        SumsExactly(60, SecAggDropouts.AtStage(60, 2, fraction, seed: 9), degree: 30, threshold: 12);

    [Fact]
    public void A_round_fails_with_a_reason_when_a_dropped_client_keeps_fewer_than_t_live_neighbours()
    {
        const int n = 30;
        var p = Rounds.Parameters(n, Length, degree: 6, threshold: 4);
        var graph = NeighbourGraph.Build(Enumerable.Range(1, n), p.Degree, p.GraphSeed);
        int victim = 5;
        var silent = graph.Of(victim).Take(3).Append(victim).ToHashSet();
        var run = SecAggSimulation.Run(p, c => new uint[Length], new SecAggDropouts { BeforeMaskedInput = silent }, seed: 1);
        Assert.Null(run.Result);
        Assert.Contains($"client {victim} keeps 3 live neighbours of its 6, fewer than t = 4", run.Failure);
    }

    [Fact]
    public void A_round_fails_with_a_reason_when_too_few_shares_come_back()
    {
        const int n = 12;
        var p = Rounds.Parameters(n, Length);
        var silent = Enumerable.Range(1, n - p.Threshold + 1).ToHashSet();
        var run = SecAggSimulation.Run(p, c => new uint[Length], new SecAggDropouts { BeforeUnmask = silent }, seed: 1);
        Assert.Null(run.Result);
        Assert.Contains("shares of client", run.Failure);
        Assert.Contains($"needs t = {p.Threshold}", run.Failure);
    }

    [Fact]
    public void A_round_fails_with_a_reason_when_a_client_keeps_fewer_than_t_neighbours_that_shared_keys()
    {
        const int n = 30;
        var p = Rounds.Parameters(n, Length, degree: 6, threshold: 4);
        var graph = NeighbourGraph.Build(Enumerable.Range(1, n), p.Degree, p.GraphSeed);
        var silent = graph.Of(8).Take(3).ToHashSet();
        var run = SecAggSimulation.Run(p, c => new uint[Length], new SecAggDropouts { BeforeShareKeys = silent }, seed: 2);
        Assert.Null(run.Result);
        Assert.Matches(@"client \d+ keeps 3 neighbours that shared keys of its 6, fewer than t = 4: .*re-run the round", run.Failure);
    }
}
