using Tessera.Federation.Trust;

namespace Tessera.Federation.Tests.Trust;

public class VerificationQuorumTests
{
    [Fact]
    public void Only_a_unanimous_pass_folds_anything_else_goes_to_the_coordinator()
    {
        var all = new VerificationQuorum<string>(3);
        Assert.Equal(QuorumDecision.Pending, all.Add("v1", "ok", true));
        Assert.Equal(QuorumDecision.Pending, all.Add("v2", "ok", true));
        Assert.Equal(QuorumDecision.Fold, all.Add("v3", "ok", true));

        var split = new VerificationQuorum<string>(3);
        split.Add("v1", "ok", true);
        split.Add("v2", "off by 25x", false);
        Assert.Equal(QuorumDecision.Arbitrate, split.Add("v3", "ok", true));   // a majority pass is not enough
        Assert.Equal("off by 25x", split.FirstDissent);
        Assert.Equal([("v2", "off by 25x")], split.Dissenters);
    }

    [Fact]
    public void A_unanimous_pass_is_spot_checked_by_the_coordinator_at_the_drawn_rate()
    {
        var draws = new Queue<double>([0.01, 0.5]);
        var checkedOne = new VerificationQuorum<string>(2, spotCheck: 0.05, uniform: draws.Dequeue);
        Assert.Equal(QuorumDecision.Pending, checkedOne.Add("v1", "pass 1", true));
        Assert.Equal(QuorumDecision.Arbitrate, checkedOne.Add("v2", "pass 2", true));   // 0.01 < 0.05: the coordinator replays it too
        Assert.Equal(["v1", "v2"], checkedOne.Vouchers.Select(v => v.Verifier));         // caught should that replay fail it
        Assert.Equal("pass 1", checkedOne.FirstDissent);
        Assert.Empty(checkedOne.Dissenters);
        var folded = new VerificationQuorum<string>(1, spotCheck: 0.05, uniform: draws.Dequeue);
        Assert.Equal(QuorumDecision.Fold, folded.Add("v1", "pass", true));                // 0.5 ≥ 0.05: folded unchecked
        Assert.Empty(draws);
    }

    [Fact]
    public void A_held_update_is_undecidable_once_too_few_re_runs_are_still_out()
    {
        var q = new VerificationQuorum<string>(2);
        q.Add("v1", "ok", true);
        Assert.True(q.CanStillDecide(outstanding: 1));
        Assert.False(q.CanStillDecide(outstanding: 0));
    }

    [Fact]
    public void Verifiers_are_trusted_others_and_a_full_quorum_or_none()
    {
        string[] idle = ["uploader", "new", "t1", "t2"];
        bool Trusted(string w) => w is "uploader" or "t1" or "t2";
        Assert.Equal(["t1", "t2"], VerificationQuorum<string>.Choose(idle, w => w, "uploader", Trusted, 2));
        Assert.Empty(VerificationQuorum<string>.Choose(idle, w => w, "uploader", Trusted, 3));   // the coordinator replays instead
    }
}
