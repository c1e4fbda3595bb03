using Tessera.Federation.Trust;
using Tessera.Protocol.Wire;

namespace Tessera.Federation.Tests.Trust;

public class ReplayAuditTests
{
    static readonly float[] Replayed = Enumerable.Range(0, 1000).Select(i => MathF.Sin(i) * 0.01f).ToArray();
    const string Head = "ab";

    static AuditVerdict Judge(float[] claimed) => ReplayAudit.Judge(claimed, Replayed, 1e-3, 0.05, Head, Head);

    [Fact]
    public void An_honest_claim_within_float_noise_passes()
    {
        var noisy = Replayed.Select((v, i) => v * (1 + (i % 2 == 0 ? 1e-5f : -1e-5f))).ToArray();
        var v = Judge(noisy);
        Assert.True(v.Passed, v.Describe());
        Assert.True(v.RelativeError < 1e-4);
        Assert.True(Judge(Replayed) is { Passed: true, RelativeError: 0, ChainMatches: true });
    }

    [Theory]
    [InlineData("zeros")]
    [InlineData("scaled")]
    [InlineData("half")]
    [InlineData("sign")]
    [InlineData("constant")]
    [InlineData("tiny")]
    public void Cheats_land_far_above_the_tolerance(string cheat)
    {
        float[] claimed = cheat switch
        {
            "zeros" => new float[Replayed.Length],
            "scaled" => Replayed.Select(v => v * 10).ToArray(),
            "half" => Replayed.Select(v => v * 0.5f).ToArray(),
            "sign" => Replayed.Select(v => -v).ToArray(),
            "constant" => Replayed.Select(_ => 1f).ToArray(),
            _ => Replayed.Select(v => v * 1e-6f).ToArray(),
        };
        var verdict = Judge(claimed);
        Assert.Equal(AuditOutcome.Failed, verdict.Outcome);
        Assert.True(verdict.RelativeError > 0.4, $"{cheat}: {verdict.RelativeError}");
        Assert.NotNull(verdict.Reason);
    }

    [Fact]
    public void The_distance_is_relative_to_the_update_not_the_weights()
    {
        // A claim off by 1% of the update does not pass though it is a tiny fraction of any weight's size; 10% fails.
        var off = Replayed.Select(v => v * 1.01f).ToArray();
        Assert.Equal(AuditOutcome.Inconclusive, Judge(off).Outcome);
        Assert.Equal(0.01, Judge(off).RelativeError, 4);
        Assert.Equal(AuditOutcome.Failed, Judge(Replayed.Select(v => v * 1.1f).ToArray()).Outcome);
        Assert.Equal(AuditOutcome.Passed, Judge(Replayed.Select(v => v * 1.0005f).ToArray()).Outcome);
    }

    [Fact]
    public void A_zero_replay_passes_only_a_zero_claim()
    {
        var zero = new float[4];
        Assert.True(ReplayAudit.Judge(zero, zero, 1e-3, 0.05, "", "").Passed);
        Assert.False(ReplayAudit.Judge([0, 0, 1e-3f, 0], zero, 1e-3, 0.05, "", "").Passed);
        Assert.False(ReplayAudit.Judge([0, 0, 0], zero, 1e-3, 0.05, "", "").Passed);
    }

    [Fact]
    public void The_chain_check_binds_links_to_task_worker_and_schedule()
    {
        var chain = new CommitmentChain("t-1", "w-1", 3);
        foreach (int step in CommitmentChain.Schedule(25, 10)) chain.Add(step, BitConverter.GetBytes(step));
        Assert.Equal([10, 20, 25], chain.Checkpoints.Select(c => c.Step));
        Assert.Null(ReplayAudit.CheckChain("t-1", "w-1", 3, 25, 10, chain.Head, chain.Checkpoints));
        Assert.NotNull(ReplayAudit.CheckChain("t-2", "w-1", 3, 25, 10, chain.Head, chain.Checkpoints));   // another task
        Assert.NotNull(ReplayAudit.CheckChain("t-1", "w-2", 3, 25, 10, chain.Head, chain.Checkpoints));   // another worker's session
        Assert.NotNull(ReplayAudit.CheckChain("t-1", "w-1", 2, 25, 10, chain.Head, chain.Checkpoints));   // another base version
        Assert.NotNull(ReplayAudit.CheckChain("t-1", "w-1", 3, 25, 5, chain.Head, chain.Checkpoints));    // not the job's schedule
        Assert.NotNull(ReplayAudit.CheckChain("t-1", "w-1", 3, 25, 10, chain.Head, chain.Checkpoints.Take(2).ToList()));
        var swapped = chain.Checkpoints.Select((c, i) => i == 1 ? c with { Leaf = new string('0', 64) } : c).ToList();
        Assert.NotNull(ReplayAudit.CheckChain("t-1", "w-1", 3, 25, 10, chain.Head, swapped));
    }

    [Fact]
    public void Training_calls_end_on_every_commit_step()
    {
        var ends = new List<int>();
        for (int done = 0; done < 120;) ends.Add(done += CommitmentChain.NextCall(done, 120, 30, 50));
        Assert.Equal([30, 60, 90, 120], ends);
        ends.Clear();
        for (int done = 0; done < 120;) ends.Add(done += CommitmentChain.NextCall(done, 120, 0, 50));
        Assert.Equal([50, 100, 120], ends);
        ends.Clear();
        for (int done = 0; done < 120;) ends.Add(done += CommitmentChain.NextCall(done, 120, 50, 50));
        Assert.Equal([50, 100, 120], ends);   // the default commits where calls already ended
    }
}
