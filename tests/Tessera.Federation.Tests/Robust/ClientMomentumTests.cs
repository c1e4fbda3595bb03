using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

public class ClientMomentumTests
{
    static InMemoryUpdateSet One(string client, params float[] delta) => new InMemoryUpdateSet(delta.Length).Add(client, delta);

    [Fact]
    public void Momentum_averages_a_clients_updates_over_rounds()
    {
        var store = new InMemoryClientMomentumStore();
        var momentum = new ClientMomentum(0.9, store);
        var first = momentum.Advance(One("c", 1, -2));
        Assert.Equal([1f, -2f], first.Updates[0].ToArray());   // a newcomer's momentum starts at its update
        Assert.Null(store.Get("c"));                           // nothing kept before the round commits
        first.Commit();
        var second = momentum.Advance(One("c", 11, 8));
        Approx.Equal([0.9 * 1 + 0.1 * 11, 0.9 * -2 + 0.1 * 8], second.Updates[0].ToArray(), 1e-6);
        second.Commit();
        Approx.Equal([2.0, -1.0], store.Get("c")!, 1e-6);
    }

    [Fact]
    public void An_attacker_that_knows_the_rule_can_steer_its_momentum_to_any_vector()
    {
        var store = new InMemoryClientMomentumStore();
        var momentum = new ClientMomentum(0.9, store);
        float[] target = [5, -7, 0.25f];
        Assert.Equal(target, momentum.UpdateFor("c", target));   // a newcomer's momentum is its update
        momentum.Advance(One("c", 1, 2, 3)).Commit();
        var upload = momentum.UpdateFor("c", target);
        Approx.Equal(target, momentum.Preview("c", upload), 1e-5);
        var round = momentum.Advance(One("c", upload));
        Approx.Equal(target, round.Updates[0].ToArray(), 1e-5);   // the rule combines exactly the forged vector
        Assert.Equal([1f, 2f, 3f], store.Get("c")!);              // neither Preview nor UpdateFor stored anything
    }

    [Fact]
    public void A_snapshot_restores_the_momenta()
    {
        var store = new InMemoryClientMomentumStore();
        var momentum = new ClientMomentum(0.5, store);
        momentum.Advance(One("a", 4)).Commit();
        var saved = store.Snapshot();
        momentum.Advance(One("a", 0)).Commit();
        Assert.Equal([2f], store.Get("a")!);
        var restored = new InMemoryClientMomentumStore();
        restored.Restore(saved);
        Assert.Equal([4f], restored.Get("a")!);
        Assert.Equal([4f], saved.Momenta["a"]);   // the snapshot did not change with the later round
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    public void Beta_outside_zero_to_one_is_refused(double beta) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientMomentum(beta, new InMemoryClientMomentumStore()));

    [Fact]
    public void A_failed_round_leaves_momenta_as_they_were()
    {
        var store = new InMemoryClientMomentumStore();
        var pipeline = new RobustPipeline(new KrumAggregator(3), momentum: new ClientMomentum(0.9, store));
        Assert.Throws<InvalidOperationException>(() => pipeline.Run(One("a", 1), round: 1));
        Assert.Equal(0, store.Count);
    }
}
