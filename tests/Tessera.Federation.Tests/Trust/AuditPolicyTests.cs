using Tessera.Federation.Trust;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests.Trust;

public class AuditPolicyTests
{
    static readonly VerificationSpec Default = new();

    [Fact]
    public void New_workers_are_audited_on_every_task_until_they_pass_N_in_a_row()
    {
        for (int n = 0; n < Default.TrustedAfter; n++)
            Assert.Equal(1.0, AuditPolicy.Probability(new TrustRecord(n, n, n, false), Default));
        Assert.Equal(1.0 / 10, AuditPolicy.Probability(new TrustRecord(10, 10, 10, false), Default), 12);
        Assert.Equal(1.0 / 15, AuditPolicy.Probability(new TrustRecord(15, 15, 15, false), Default), 12);
    }

    [Fact]
    public void Trusted_workers_never_drop_below_the_floor()
    {
        foreach (int n in new[] { 20, 21, 100, 1_000_000 })
            Assert.Equal(Default.MinRate, AuditPolicy.Probability(new TrustRecord(n, n, n, false), Default));
        Assert.Equal(0.1, AuditPolicy.Probability(new TrustRecord(500, 0, 0, false), Default with { MinRate = 0.1 }));
    }

    [Fact]
    public void A_failure_resets_trust_to_zero_and_bans()
    {
        var book = new TrustBook(Default, () => 0.99);
        for (int i = 0; i < 30; i++) book.Counted("w", audited: i < 10);
        Assert.Equal(10, book.Of("w").ConsecutivePasses);
        var caught = book.Caught("w", "update is zero");
        Assert.Equal((0, true, "update is zero"), (caught.ConsecutivePasses, caught.Banned, caught.Reason));
        Assert.False(book.DrawAudit("w"));                   // banned: its uploads are refused before any audit
        Assert.Equal(TrustRecord.New, book.Of("new identity"));   // a Sybil starts untrusted again
        for (int i = 0; i < 12; i++) book.Counted("v", audited: true);
        var doubted = book.Doubted("v", "near miss");             // an inconclusive audit: trust starts over, no ban
        Assert.Equal((0, false), (doubted.ConsecutivePasses, doubted.Banned));
        Assert.Equal(1.0, AuditPolicy.Probability(doubted, Default));
        Assert.Equal(1.0, AuditPolicy.Probability(book.Of("new identity"), Default));
    }

    [Fact]
    public void A_run_of_inconclusive_audits_is_a_failure_and_a_pass_breaks_the_run()
    {
        var book = new TrustBook(Default, () => 0.99);   // inconclusive_limit 3
        Assert.False(book.Doubted("w", "a").Banned);
        Assert.False(book.Doubted("w", "b").Banned);
        book.Counted("w", audited: true);                 // a pass between them: the run starts over
        Assert.Equal(0, book.Of("w").Doubts);
        Assert.False(book.Doubted("w", "c").Banned);
        Assert.False(book.Doubted("w", "d").Banned);
        var third = book.Doubted("w", "e");
        Assert.True(third.Banned);
        Assert.Equal(3, third.Doubts);
        Assert.Contains("3 inconclusive audits in a row", third.Reason);
        Assert.Contains("e", third.Reason);
        Assert.False(book.DrawAudit("w"));
        var once = new TrustBook(Default with { InconclusiveLimit = 1 }, () => 0.99);
        Assert.True(once.Doubted("v", "x").Banned);       // inconclusive_limit 1: the band is a failure
    }

    [Fact]
    public void Replay_off_audits_nothing()
    {
        var off = Default with { Replay = VerificationSpec.Off };
        Assert.Equal(0, AuditPolicy.Probability(TrustRecord.New, off));
        Assert.Equal(0, AuditPolicy.ExpectedAuditShare(100, off));
    }

    [Fact]
    public void Expected_audit_share_matches_a_simulated_honest_worker()
    {
        // An honest worker's audit share over its first T tasks: exact recursion against Monte Carlo.
        var rng = new Random(5);
        foreach (int tasks in new[] { 5, 30, 200 })
        {
            double exact = AuditPolicy.ExpectedAuditShare(tasks, Default);
            double simulated = 0;
            const int Runs = 4000;
            for (int run = 0; run < Runs; run++)
            {
                var book = new TrustBook(Default, rng.NextDouble);
                int audits = 0;
                for (int t = 0; t < tasks; t++)
                {
                    bool audited = book.DrawAudit("w");
                    audits += audited ? 1 : 0;
                    book.Counted("w", audited);
                }
                simulated += (double)audits / tasks / Runs;
            }
            Assert.True(Math.Abs(exact - simulated) < 0.01, $"{tasks} tasks: exact {exact:F4}, simulated {simulated:F4}");
        }
        Assert.Equal(1.0, AuditPolicy.ExpectedAuditShare(10, Default));
        Assert.True(AuditPolicy.ExpectedAuditShare(1000, Default) < 0.07);
    }
}

public class CheaterSimulationTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 1)]
    [InlineData(200, 5)]
    [InlineData(200, 20)]
    public void The_measured_escape_rate_matches_one_minus_p_to_the_m(int honest, int cheated)
    {
        var row = CheaterSimulation.Run(new VerificationSpec(), honest, cheated, runs: 20_000, seed: 3);
        double sigma = Math.Sqrt(Math.Max(row.Predicted * (1 - row.Predicted), 1e-6) / row.Runs);
        Assert.True(Math.Abs(row.Measured - row.Predicted) < 5 * sigma + 1e-3, $"{row}");
        if (honest < 10) Assert.Equal(0, row.Measured);   // a new worker is audited on every task: it never escapes
    }

    [Fact]
    public void Building_trust_first_leaves_at_least_the_floor_of_catching()
    {
        var row = CheaterSimulation.Run(new VerificationSpec(), honest: 1000, cheated: 20, runs: 20_000, seed: 4);
        Assert.Equal(0.05, row.AuditProbability, 3);
        Assert.Equal(Math.Pow(0.95, 20), row.Predicted, 3);
    }
}
