using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

/// <summary>What a robust close aggregates: exactly the counted updates of what was buffered, each once, or nothing.</summary>
public class CountedCohortTests
{
    static InMemoryUpdateSet Buffered(params string[] clients)
    {
        var set = new InMemoryUpdateSet(2);
        for (int i = 0; i < clients.Length; i++) set.Add(clients[i], [i, -i]);
        return set;
    }

    [Fact]
    public void Uncounted_updates_are_left_out_and_the_counted_ones_kept_in_order()
    {
        var buffered = Buffered("a", "stale", "b", "c");
        var (cohort, why) = CountedCohort.Of(buffered, new HashSet<string> { "c", "a", "b" });
        Assert.Null(why);
        Assert.Equal(["a", "b", "c"], Enumerable.Range(0, cohort!.Count).Select(cohort.ClientId));
        Assert.Equal([2f, -2f], cohort[1].ToArray());
        Assert.Same(buffered, CountedCohort.Of(buffered, new HashSet<string> { "a", "stale", "b", "c" }).Cohort);
    }

    [Fact]
    public void A_missing_or_doubled_counted_update_is_no_cohort()
    {
        var missing = CountedCohort.Of(Buffered("a", "b"), new HashSet<string> { "a", "b", "c" });
        Assert.Null(missing.Cohort);
        Assert.Contains("2 of the 3 counted", missing.Why);
        var doubled = CountedCohort.Of(Buffered("a", "b", "a"), new HashSet<string> { "a", "b" });
        Assert.Null(doubled.Cohort);
        Assert.Contains("two updates of a", doubled.Why);
    }
}
