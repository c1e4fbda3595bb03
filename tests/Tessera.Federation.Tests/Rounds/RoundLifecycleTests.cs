using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Federation.Tests.Rounds;

/// <summary>The synchronous round's state machine (DESIGN §8), driven without Orleans, a network or a clock.</summary>
public class RoundLifecycleTests
{
    static readonly DateTimeOffset T0 = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    sealed class Task(string id, string worker, TaskState state = TaskState.Assigned, bool verification = false) : IRoundTask
    {
        public string Id => id;
        public string WorkerId => worker;
        public DateTimeOffset Deadline => T0.AddMinutes(1);
        public TaskState State { get; set; } = state;
        public bool IsVerification => verification;
    }

    static RoundLifecycle<Task> Round(int target, params (string Worker, TaskState State)[] tasks)
    {
        var r = new RoundLifecycle<Task> { Round = 1, Attempt = 1, Version = 0, Target = target, Invited = tasks.Length, Started = T0, Deadline = T0.AddMinutes(1) };
        int i = 0;
        foreach (var (worker, state) in tasks) { var t = new Task($"t-{i++}", worker, state); r.Tasks[t.Id] = t; }
        return r;
    }

    [Fact]
    public void A_silent_workers_task_expires_and_a_replacement_is_invited()
    {
        var r = Round(2, ("a", TaskState.Assigned), ("b", TaskState.Assigned));
        var step = r.Collect(T0.AddSeconds(5), w => w != "b", available: 3, minClients: 1);
        Assert.Equal(["b"], step.Expire.Select(t => t.WorkerId));
        Assert.Equal(1, step.Invite);
        Assert.False(step.Close);
    }

    [Fact]
    public void An_update_being_folded_or_audited_keeps_the_round_open_until_it_is_decided()
    {
        var r = Round(1, ("a", TaskState.Assigned));
        Assert.Null(r.Claim(r.Tasks["t-0"]));
        Assert.False(r.Collect(T0.AddSeconds(5), _ => true, available: 0, minClients: 1).Close);
        // Past the deadline with the claim out it closes: the close starts once the claim is released or counted.
        Assert.True(r.Collect(T0.AddMinutes(2), _ => true, available: 0, minClients: 1).Close);
        Assert.False(r.BeginClose());
        Assert.True(r.Count(r.Tasks["t-0"]));
    }

    [Fact]
    public void With_nothing_pending_and_no_one_to_invite_it_closes_on_what_it_has()
    {
        var r = Round(3, ("a", TaskState.Assigned), ("b", TaskState.Rejected));
        r.Claim(r.Tasks["t-0"]);
        Assert.False(r.Count(r.Tasks["t-0"]));
        var step = r.Collect(T0.AddSeconds(5), _ => true, available: 0, minClients: 1);
        Assert.True(step.Close);
        Assert.Equal(0, step.Invite);
    }

    [Fact]
    public void Short_of_the_minimum_at_the_deadline_it_waits_longer_instead_of_failing()
    {
        var r = Round(3, ("a", TaskState.Assigned));
        r.Claim(r.Tasks["t-0"]);
        r.Count(r.Tasks["t-0"]);
        var step = r.Collect(T0.AddMinutes(2), _ => true, available: 0, minClients: 2);
        Assert.False(step.Close);
        Assert.True(step.ExtendDeadline);
        Assert.Equal(0, step.Invite);   // no invitations past the deadline
    }

    [Fact]
    public void Claims_never_exceed_the_quorum_and_the_quorum_starts_the_close_exactly_once()
    {
        var r = Round(2, ("a", TaskState.Assigned), ("b", TaskState.Assigned), ("c", TaskState.Assigned));
        var (a, b, c) = (r.Tasks["t-0"], r.Tasks["t-1"], r.Tasks["t-2"]);
        Assert.Null(r.Claim(a));
        Assert.Null(r.Claim(b));
        Assert.Contains("closing", r.Claim(c));             // two claims out cover the quorum of two
        Assert.Equal(TaskState.Assigned, c.State);
        Assert.False(r.Release(b));                        // b's fold failed: open again, and c may now claim
        Assert.Equal(TaskState.Assigned, b.State);
        Assert.Null(r.Claim(c));
        Assert.False(r.Count(a));
        Assert.True(r.Count(c));                            // the quorum: closing, nothing out, so the close is due
        Assert.Equal((RoundPhase.Closing, true, 2), (r.Phase, r.CloseStarted, r.Accepted));
        Assert.False(r.BeginClose());                       // never due twice
        Assert.Contains("closing", r.Check(b));
    }

    [Fact]
    public void A_refused_upload_frees_its_claim_and_a_closing_round_waits_for_its_last_claim()
    {
        var r = Round(3, ("a", TaskState.Assigned), ("b", TaskState.Assigned));
        var (a, b) = (r.Tasks["t-0"], r.Tasks["t-1"]);
        r.Claim(a);
        r.Claim(b);
        Assert.False(r.BeginClose());                       // the deadline passed, two claims out
        Assert.False(r.Refuse(a));                          // a's audit failed: not counted, one claim still out
        Assert.Equal(TaskState.Rejected, a.State);
        Assert.True(r.Count(b));                            // the last claim ends: the close is due
        Assert.Equal(["b"], r.Contributors);
    }

    [Fact]
    public void A_verifiers_re_run_is_claimed_for_its_vote_only_even_while_the_round_closes()
    {
        var r = Round(1, ("a", TaskState.Assigned));
        var a = r.Tasks["t-0"];
        r.Claim(a);                                         // held for verification: the round's claim
        var rerun = new Task("v-0", "verifier", verification: true);
        r.Tasks[rerun.Id] = rerun;
        Assert.False(r.BeginClose());
        Assert.Null(r.Claim(rerun));                        // closing, but the held update waits on this vote
        Assert.Equal((TaskState.Folding, 1), (rerun.State, r.Folding));
        Assert.Empty(r.Open);                               // a re-run is not one of the round's results
        Assert.False(r.Refuse(rerun));
        Assert.True(r.Count(a));
    }

    [Fact]
    public void An_expired_task_cannot_upload()
    {
        var r = Round(1, ("a", TaskState.Expired));
        Assert.Contains("expired", r.Claim(r.Tasks["t-0"]));
    }

    [Fact]
    public void A_closing_round_wants_only_the_re_runs_its_held_updates_wait_on()
    {
        var r = Round(1, ("a", TaskState.Assigned));
        var verifier = new Task("t-v", "v", verification: true);
        r.Tasks[verifier.Id] = verifier;
        Assert.True(r.Wants(r.Tasks["t-0"]));
        r.BeginClose();
        Assert.False(r.Wants(r.Tasks["t-0"]));
        Assert.True(r.Wants(verifier));
    }

    [Fact]
    public void A_worker_is_invited_again_only_after_its_task_expired_or_was_refused()
    {
        var r = Round(3, ("open", TaskState.Assigned), ("folding", TaskState.Folding), ("declined", TaskState.Declined), ("expired", TaskState.Expired),
            ("refused", TaskState.Rejected), ("counted", TaskState.Assigned));
        var counted = r.Tasks.Values.Single(t => t.WorkerId == "counted");
        Assert.Null(r.Claim(counted));
        r.Count(counted);
        Assert.Equal(["expired", "refused", "new"], new[] { "open", "folding", "declined", "expired", "refused", "counted", "new" }.Where(r.CanInvite));
    }

    [Theory]
    [InlineData(3, 3, 1, false, true)]    // the cohort it wants is there
    [InlineData(2, 3, 1, false, false)]   // short of it, inside the window: wait
    [InlineData(2, 3, 2, true, true)]     // window over: go with min_clients
    [InlineData(1, 3, 2, true, false)]    // not even min_clients
    [InlineData(5, null, 1, false, false)] // no fixed cohort: wait out the window to take everyone
    [InlineData(5, null, 1, true, true)]
    [InlineData(2, 1, 3, false, false)]   // min_clients above clients_per_round still binds
    public void A_round_starts_with_the_cohort_it_wants_or_at_the_window_with_min_clients(int candidates, int? perRound, int minClients, bool windowOver, bool ready) =>
        Assert.Equal(ready, RoundStart.Ready(candidates, perRound, minClients, windowOver));

    [Fact]
    public void A_task_is_its_epochs_capped_by_max_steps_and_by_half_the_deadline_at_the_workers_speed()
    {
        var local = new Protocol.Jobs.LocalTrainingSpec { Epochs = 2, BatchSize = 10 };
        Assert.Equal(2 * 60, TaskSize.Steps(local, 595, 0, TimeSpan.FromMinutes(1)));             // ceil(595/10) per epoch, speed unknown
        Assert.Equal(50, TaskSize.Steps(local with { MaxSteps = 50 }, 595, 0, TimeSpan.FromMinutes(1)));
        Assert.Equal(30, TaskSize.Steps(local, 595, 10, TimeSpan.FromMinutes(1)));                // 10 samples/s × 30 s / 10 per step
        Assert.Equal(1, TaskSize.Steps(local, 595, 0.01, TimeSpan.FromMinutes(1)));               // never below one step
        Assert.Equal(120, TaskSize.Steps(local, 595, 1e9, TimeSpan.FromMinutes(1)));              // never above the epochs
    }

    [Fact]
    public void Uploads_and_declines_are_refused_by_task_state_with_the_reason()
    {
        Assert.Null(TaskRefusals.WhyNoUpload(new Task("t", "w")));
        Assert.Contains("not counted twice", TaskRefusals.WhyNoUpload(new Task("t", "w", TaskState.Accepted)));
        Assert.Contains("not counted twice", TaskRefusals.WhyNoUpload(new Task("t", "w", TaskState.Folding)));
        Assert.Contains("declined by its worker", TaskRefusals.WhyNoUpload(new Task("t", "w", TaskState.Declined)));
        Assert.Null(TaskRefusals.WhyNoDecline(new Task("t", "w")));
        Assert.Contains("being uploaded", TaskRefusals.WhyNoDecline(new Task("t", "w", TaskState.Folding)));
        Assert.Contains("expired", TaskRefusals.WhyNoDecline(new Task("t", "w", TaskState.Expired)));
    }
}
