using Tessera.Coordinator.Jobs;

namespace Tessera.Coordinator.Tests;

/// <summary>The collecting round's decisions (RoundState.Collect), driven without Orleans, a network or a clock.</summary>
public class RoundLifecycleTests
{
    static readonly DateTimeOffset T0 = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    static RoundState Round(int target, params (string Worker, TaskState State)[] tasks)
    {
        var r = new RoundState { Round = 1, Attempt = 1, Version = 0, Target = target, Invited = tasks.Length, Started = T0, Deadline = T0.AddMinutes(1) };
        int i = 0;
        foreach (var (worker, state) in tasks)
            r.Tasks[$"t-{i++}"] = new RoundTask { Id = $"t-{i}", WorkerId = worker, Round = 1, Version = 0, Steps = 10, Shard = 0, LocalData = null, Samples = 100, Deadline = T0.AddMinutes(1), State = state };
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
        var r = Round(1, ("a", TaskState.Folding));
        r.Folding = 1;
        Assert.False(r.Collect(T0.AddSeconds(5), _ => true, available: 0, minClients: 1).Close);
        // Past the deadline with the claim out it closes: the grain starts the close once the claim is released or counted.
        Assert.True(r.Collect(T0.AddMinutes(2), _ => true, available: 0, minClients: 1).Close);
    }

    [Fact]
    public void With_nothing_pending_and_no_one_to_invite_it_closes_on_what_it_has()
    {
        var r = Round(3, ("a", TaskState.Accepted), ("b", TaskState.Rejected));
        r.Contributors.Add("a");
        var step = r.Collect(T0.AddSeconds(5), _ => true, available: 0, minClients: 1);
        Assert.True(step.Close);
        Assert.Equal(0, step.Invite);
    }

    [Fact]
    public void Short_of_the_minimum_at_the_deadline_it_waits_longer_instead_of_failing()
    {
        var r = Round(3, ("a", TaskState.Accepted));
        r.Contributors.Add("a");
        var step = r.Collect(T0.AddMinutes(2), _ => true, available: 0, minClients: 2);
        Assert.False(step.Close);
        Assert.True(step.ExtendDeadline);
        Assert.Equal(0, step.Invite);   // no invitations past the deadline
    }
}
