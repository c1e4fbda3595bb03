using Tessera.Federation.Planning;
using Tessera.Federation.Trust;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests;

public sealed class EstimatorTests
{
    const long Flops = 1234, Forward = 400;

    static JobSpec Spec(string extra = "") => JobSpecParser.Parse($"""
        name: est
        model: logreg
        rounds: 5
        clients_per_round: 3
        data: {"{"} dataset: synthetic, clients: 10 {"}"}
        local: {"{"} batch_size: 10, epochs: 2 {"}"}
        {extra}
        """);

    static EstimateInput Input(JobSpec spec, params EstimatedWorker[] fleet) => new()
    {
        Spec = spec, TrainingFlopsPerSample = Flops, ForwardFlopsPerSample = Forward, ShardSamples = Enumerable.Repeat(95, 10).ToArray(),
        TestSamples = 1000, Workers = fleet,
    };

    static EstimatedWorker[] Fleet(int count, double speed, double availability = 1) =>
        Enumerable.Range(0, count).Select(_ => new EstimatedWorker(speed, availability)).ToArray();

    [Fact]
    public void Training_flops_are_flops_per_sample_times_the_samples_tasks_are_assigned()
    {
        var e = Estimator.Estimate(Input(Spec(), Fleet(3, 1e6)));
        // 95 samples → ⌈9.5⌉ = 10 steps per epoch, 2 epochs, batch 10: 200 samples per task; 5 rounds × 3 tasks.
        Assert.Equal(20, e.StepsPerTask);
        Assert.Equal(5 * 3 * 200, e.TrainingSamples);
        Assert.Equal((double)Flops * 3000, e.TrainingFlops);
        Assert.Equal(Flops * 3000 / 1e9, e.Credits);
    }

    [Fact]
    public void A_slow_worker_gets_the_coordinators_shorter_task()
    {
        // 20 samples/s with a 10 s deadline: ⌊20 × 10 × 0.5 / 10⌋ = 10 steps, not the epoch's 20.
        var e = Estimator.Estimate(Input(Spec("deadline_seconds: 10"), Fleet(3, 20)));
        Assert.Equal(10, e.StepsPerTask);
        Assert.Equal((double)Flops * 5 * 3 * 100, e.TrainingFlops);
    }

    [Fact]
    public void Evaluation_and_verification_overheads_are_broken_out()
    {
        var audited = Estimator.Estimate(Input(Spec("eval_every: 2"), Fleet(3, 1e6)));
        // Rounds 2, 4 and the last (5) are evaluated on the 1000-sample test set.
        Assert.Equal((double)Forward * 1000 * 3, audited.EvaluationFlops);
        // Each worker gets 5 tasks, all audited before it is trusted after 10.
        Assert.Equal(AuditPolicy.ExpectedAuditShare(5, Spec().Verification), audited.AuditShare);
        Assert.Equal(1.0, audited.AuditShare);
        Assert.Equal(audited.TrainingFlops, audited.VerificationFlops);
        Assert.Equal(audited.TrainingFlops + audited.EvaluationFlops + audited.VerificationFlops, audited.TotalFlops);

        var off = Estimator.Estimate(Input(Spec("verification: { replay: off }"), Fleet(3, 1e6)));
        Assert.Equal(0, off.VerificationFlops);
        Assert.Equal(audited.TrainingFlops, off.TrainingFlops);
    }

    [Fact]
    public void The_eta_is_rounds_of_the_slowest_task_with_p90_above_p50()
    {
        var e = Estimator.Estimate(Input(Spec(), Fleet(3, 200)));
        // 200 samples at 200/s: one second a task, the slowest of three a little more, plus 0.25 s overhead, five rounds.
        Assert.InRange(e.EtaP50Seconds!.Value, 6.25, 9);
        Assert.True(e.EtaP90Seconds >= e.EtaP50Seconds);
        Assert.Null(e.Stalled);
    }

    [Fact]
    public void The_coordinators_evaluation_adds_to_every_evaluated_round()
    {
        var without = Estimator.Estimate(Input(Spec("eval_every: 2"), Fleet(3, 200)));
        var with = Estimator.Estimate(Input(Spec("eval_every: 2"), Fleet(3, 200)) with { EvaluationSamplesPerSecond = 1000 });
        // 1000 test samples at 1000/s: one second for each of rounds 2, 4 and 5 (the same draws otherwise).
        Assert.Equal(without.EtaP50Seconds!.Value + 3, with.EtaP50Seconds!.Value, 6);
    }

    [Fact]
    public void More_workers_shorten_the_eta_when_rounds_wait_for_absent_ones()
    {
        var spec = Spec("min_clients: 3");
        var few = Estimator.Estimate(Input(spec, Fleet(3, 200, 0.7)));
        var many = Estimator.Estimate(Input(spec, Fleet(8, 200, 0.7)));
        Assert.True(many.EtaP50Seconds < few.EtaP50Seconds, $"8 workers {many.EtaP50Seconds} s, 3 workers {few.EtaP50Seconds} s");
    }

    [Fact]
    public void More_workers_shorten_a_fedbuff_job()
    {
        var spec = Spec("strategy: { name: fedbuff, buffer_size: 4 }");
        var few = Estimator.Estimate(Input(spec, Fleet(2, 200)));
        var many = Estimator.Estimate(Input(spec, Fleet(8, 200)));
        Assert.Equal(5 * 4, few.TrainingSamples / 200);
        Assert.True(many.EtaP50Seconds < few.EtaP50Seconds / 2, $"8 workers {many.EtaP50Seconds} s, 2 workers {few.EtaP50Seconds} s");
    }

    [Fact]
    public void Workers_that_are_not_always_live_make_the_job_longer()
    {
        var always = Estimator.Estimate(Input(Spec(), Fleet(4, 200)));
        var sometimes = Estimator.Estimate(Input(Spec(), Fleet(4, 200, 0.8)));
        Assert.True(sometimes.EtaP50Seconds > always.EtaP50Seconds, $"availability 0.8: {sometimes.EtaP50Seconds} s, 1.0: {always.EtaP50Seconds} s");
        Assert.True(sometimes.EtaP90Seconds > always.EtaP90Seconds);
        Assert.Equal(always.TrainingFlops, sometimes.TrainingFlops);
    }

    [Fact]
    public void Workers_seen_away_briefly_cost_less_than_the_default_absence()
    {
        var spec = Spec("min_clients: 3");
        var unknown = Estimator.Estimate(Input(spec, Fleet(3, 200, 0.5)));
        var brief = Estimator.Estimate(Input(spec, Enumerable.Range(0, 3).Select(_ => new EstimatedWorker(200, 0.5, MeanAbsenceSeconds: 10)).ToArray()));
        // Same availability; absences of 10 s instead of the default 120 s make each round's wait for all three shorter.
        Assert.True(brief.EtaP50Seconds < unknown.EtaP50Seconds / 2, $"10 s absences {brief.EtaP50Seconds} s, default {unknown.EtaP50Seconds} s");
    }

    [Fact]
    public void A_pool_too_small_for_min_clients_has_a_cost_but_no_eta()
    {
        var e = Estimator.Estimate(Input(Spec("min_clients: 3"), Fleet(2, 200)));
        Assert.Null(e.EtaP50Seconds);
        Assert.Contains("min_clients", e.Stalled);
        Assert.True(e.TrainingFlops > 0);
    }
}
