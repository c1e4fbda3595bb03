using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

/// <summary>The `verification:` section: replay audits on by default where work can be replayed, refused where it cannot.</summary>
public class VerificationSpecTests
{
    [Fact]
    public void Shard_jobs_are_verified_by_default_and_settings_are_read()
    {
        var spec = JobSpecParser.Parse("name: a");
        Assert.True(spec.Verification.Enabled);
        Assert.Equal(new VerificationSpec(), spec.Verification);
        var tuned = JobSpecParser.Parse("name: a\nverification: { trusted_after: 3, min_rate: 0.1, tolerance: 0.01, commit_every: 7, grant_after_rounds: 4, cpu_share: 0.25 }").Verification;
        Assert.Equal((3, 0.1, 0.01, 7, 4, 0.25), (tuned.TrustedAfter, tuned.MinRate, tuned.Tolerance, tuned.CommitEvery, tuned.GrantAfterRounds, tuned.CpuShare));
        Assert.Equal(3, spec.Verification.InconclusiveLimit);
        Assert.Equal(5, JobSpecParser.Parse("name: a\nverification: { inconclusive_limit: 5 }").Verification.InconclusiveLimit);
        Assert.Equal(tuned, JobSpecParser.Parse(JobSpecParser.ToJson(JobSpecParser.Parse("name: a\nverification: { trusted_after: 3, min_rate: 0.1, tolerance: 0.01, commit_every: 7, grant_after_rounds: 4, cpu_share: 0.25 }"))).Verification);
    }

    [Fact]
    public void Trusted_workers_may_replay_with_a_quorum()
    {
        var v = JobSpecParser.Parse("name: a\nverification: { replay: workers, quorum: 3 }").Verification;
        Assert.Equal((VerificationSpec.Workers, 3, true), (v.Replay, v.Quorum, v.Enabled));
    }

    [Fact]
    public void Work_no_replay_can_reproduce_is_unverifiable_by_default()
    {
        Assert.False(JobSpecParser.Parse("name: a\ndata: { dataset: mine, on_workers: true }").Verification.Enabled);
        Assert.False(JobSpecParser.Parse("name: a\nupload: { codec: topk }").Verification.Enabled);
        Assert.False(JobSpecParser.Parse("name: a\nverification: { replay: off }").Verification.Enabled);
    }

    [Theory]
    [InlineData("data: { dataset: mine, on_workers: true }\nverification: { replay: coordinator }", "verification.replay", "on_workers")]
    [InlineData("upload: { codec: topk }\nverification: { replay: coordinator }", "verification.replay", "topk")]
    [InlineData("verification: { quorum: 2 }", "verification.quorum", "replay: workers")]
    [InlineData("strategy: { name: scaffold }\nverification: { replay: workers }", "verification.replay", "c_i")]
    [InlineData("strategy: { name: fedbuff }\nverification: { replay: workers }", "verification.replay", "fedbuff")]
    [InlineData("verification: { replay: workers, quorum: 0 }", "verification.quorum", "")]
    [InlineData("verification: { min_rate: 0 }", "verification.min_rate", "")]
    [InlineData("verification: { tolerance: 2 }", "verification.tolerance", "")]
    [InlineData("verification: { commit_every: 0 }", "verification.commit_every", "")]
    [InlineData("verification: { inconclusive_limit: 0 }", "verification.inconclusive_limit", "")]
    [InlineData("verification: { audit_everything: true }", "verification.audit_everything", "")]
    public void Impossible_settings_are_refused_naming_the_field(string yaml, string field, string fragment)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: a\n" + yaml));
        Assert.Contains(field, e.Message);
        Assert.Contains(fragment, e.Message);
    }
}
