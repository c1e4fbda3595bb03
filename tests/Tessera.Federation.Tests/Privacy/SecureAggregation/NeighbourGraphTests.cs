using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

public class NeighbourGraphTests
{
    [Theory]
    [InlineData(30, 6)]
    [InlineData(101, 20)]
    [InlineData(500, 7)]
    public void The_graph_is_k_regular_symmetric_and_without_self_loops(int n, int k)
    {
        var graph = NeighbourGraph.Build(Enumerable.Range(1, n), k, seed: 3);
        int degree = k % 2 == 0 ? k : k + 1;
        Assert.Equal(degree, graph.Degree);
        foreach (int c in graph.Clients)
        {
            var of = graph.Of(c);
            Assert.Equal(degree, of.Count);
            Assert.DoesNotContain(c, of);
            Assert.Equal(of.Count, of.Distinct().Count());
            Assert.All(of, o => Assert.Contains(c, graph.Of(o)));
        }
    }

    [Fact]
    public void A_small_cohort_gets_the_complete_graph()
    {
        var graph = NeighbourGraph.Build([4, 9, 2, 7], 6, seed: 1);
        Assert.Equal(3, graph.Degree);
        Assert.Equal([2, 4, 7], graph.Of(9));
    }

    [Fact]
    public void The_graph_depends_on_the_seed_only()
    {
        var a = NeighbourGraph.Build(Enumerable.Range(1, 50), 8, seed: 5);
        var b = NeighbourGraph.Build(Enumerable.Range(1, 50).Reverse(), 8, seed: 5);
        var c = NeighbourGraph.Build(Enumerable.Range(1, 50), 8, seed: 6);
        Assert.All(a.Clients, i => Assert.Equal(a.Of(i), b.Of(i)));
        Assert.Contains(a.Clients, i => !a.Of(i).SequenceEqual(c.Of(i)));
    }

    [Theory]
    [InlineData(3, 2, 2)]
    [InlineData(10, 9, 5)]
    [InlineData(40, 39, 20)]
    [InlineData(100, 84, 43)]
    public void Default_degree_and_majority_threshold_for_small_cohorts(int n, int k, int t)
    {
        Assert.Equal(k, SecAggPlan.DefaultDegree(n));
        Assert.Equal(t, SecAggPlan.DefaultThreshold(k));
    }

    [Fact]
    public void The_default_degree_grows_like_log_n()
    {
        int k1 = SecAggPlan.DefaultDegree(1_000), k2 = SecAggPlan.DefaultDegree(10_000), k3 = SecAggPlan.DefaultDegree(100_000);
        Assert.True(k1 < 999 && k1 % 2 == 0, $"k(1000) = {k1}");
        Assert.True(k2 - k1 <= k1 / 3 && k3 - k2 <= k1 / 3, $"k = {k1}, {k2}, {k3}");
    }
}
