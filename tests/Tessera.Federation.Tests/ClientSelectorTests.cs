namespace Tessera.Federation.Tests;

public class ClientSelectorTests
{
    private static string[] Pool(int n) => Enumerable.Range(0, n).Select(i => $"client-{i:D3}").ToArray();

    [Fact]
    public void Same_seed_and_round_give_the_same_selection_regardless_of_listing_order()
    {
        var selector = new ClientSelector(fraction: 0.2, seed: 42);
        var pool = Pool(100);
        var reversed = pool.Reverse().ToArray();

        var a = selector.Select(7, pool);
        var b = new ClientSelector(fraction: 0.2, seed: 42).Select(7, reversed);

        Assert.Equal(a.Clients, b.Clients);
    }

    [Fact]
    public void Different_rounds_and_seeds_draw_different_subsets()
    {
        var pool = Pool(100);
        var selector = new ClientSelector(fraction: 0.1, seed: 1);
        var byRound = Enumerable.Range(1, 5).Select(r => string.Join(",", selector.Select(r, pool).Clients.Order())).ToHashSet();
        Assert.Equal(5, byRound.Count);
        Assert.NotEqual(
            new ClientSelector(fraction: 0.1, seed: 1).Select(1, pool).Clients.Order(),
            new ClientSelector(fraction: 0.1, seed: 2).Select(1, pool).Clients.Order());
    }

    [Fact]
    public void Over_selection_invites_ceil_factor_times_target()
    {
        var selection = new ClientSelector(fraction: 0.1).Select(1, Pool(100));
        Assert.Equal(10, selection.TargetResults);
        Assert.Equal(13, selection.Clients.Count); // ceil(1.3 · 10)
        Assert.Equal(selection.Clients.Count, selection.Clients.Distinct().Count());
        Assert.All(selection.Clients, c => Assert.StartsWith("client-", c));

        // 0.1 · 30 is 3.0000000000000004 in binary floating point; the target is still 3.
        var thirty = new ClientSelector(fraction: 0.1).Select(1, Pool(30));
        Assert.Equal(3, thirty.TargetResults);
        Assert.Equal(4, thirty.Clients.Count); // ceil(3.9)
    }

    [Fact]
    public void Minimum_raises_the_target_and_too_few_clients_is_an_error()
    {
        var selector = new ClientSelector(fraction: 0.01, minClients: 5);
        var selection = selector.Select(1, Pool(50));
        Assert.Equal(5, selection.TargetResults);
        Assert.Equal(7, selection.Clients.Count); // ceil(6.5)

        Assert.False(selector.CanSelect(4));
        Assert.Throws<InvalidOperationException>(() => selector.Select(1, Pool(4)));
    }

    [Fact]
    public void Fixed_count_is_capped_by_availability()
    {
        var selection = new ClientSelector(count: 8).Select(1, Pool(9));
        Assert.Equal(8, selection.TargetResults);
        Assert.Equal(9, selection.Clients.Count); // ceil(10.4) capped at 9
    }

    [Fact]
    public void Duplicate_ids_in_the_pool_are_selected_once()
    {
        var selection = new ClientSelector(overSelection: 1).Select(1, ["a", "b", "a", "b"]);
        Assert.Equal(["a", "b"], selection.Clients.Order());
    }

    [Fact]
    public void Every_client_is_picked_about_equally_often()
    {
        var pool = Pool(20);
        var selector = new ClientSelector(count: 5, overSelection: 1, seed: 3);
        var counts = pool.ToDictionary(c => c, _ => 0);
        for (int round = 0; round < 4000; round++)
            foreach (var c in selector.Select(round, pool).Clients)
                counts[c]++;
        // Expected 1000 each; a biased shuffle would show up far outside ±15%.
        Assert.All(counts.Values, n => Assert.InRange(n, 850, 1150));
    }

    [Fact]
    public void SplitMix64_matches_the_reference_sequence()
    {
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.Next());
        Assert.Equal(0x06C45D188009454FUL, rng.Next());
    }
}
