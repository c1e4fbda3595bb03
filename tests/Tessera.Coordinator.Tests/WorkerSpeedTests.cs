using Tessera.Coordinator.Workers;

namespace Tessera.Coordinator.Tests;

/// <summary>The measured-speed rules: smoothing, the inflation flag, and FLOP/s carried from one model's job to another's.</summary>
public sealed class WorkerSpeedTests
{
    static WorkerProfile Profile(double claimed, double measuredFlops) =>
        new("w", "w", null, "dotnet", 2, 0, claimed, [], claimed, 0, measuredFlops);

    [Fact]
    public void A_measurement_in_flops_gives_each_job_its_own_samples_per_second()
    {
        var p = Profile(claimed: 1_000_000, measuredFlops: 1e9);
        Assert.Equal(1000, p.SpeedFor(1_000_000));  // a small model
        Assert.Equal(10, p.SpeedFor(100_000_000));  // a model 100× as costly per sample
        Assert.Equal(1_000_000, Profile(1_000_000, 0).SpeedFor(1_000_000)); // not measured yet: the claim seeds it
    }

    [Fact]
    public void The_first_task_stands_alone_then_tasks_are_smoothed_and_big_claims_flagged()
    {
        Assert.Equal(100, WorkerSpeed.Blend(0, 100));
        Assert.Equal(100 + WorkerSpeed.Smoothing * 100, WorkerSpeed.Blend(100, 200));
        Assert.Null(WorkerSpeed.Sample(100, TimeSpan.Zero));
        Assert.Equal(50, WorkerSpeed.Sample(100, TimeSpan.FromSeconds(2)));
        Assert.True(WorkerSpeed.ClaimInflated(claimed: 201, measured: 100));
        Assert.False(WorkerSpeed.ClaimInflated(claimed: 200, measured: 100));
        Assert.False(WorkerSpeed.ClaimInflated(claimed: 1e6, measured: 0)); // nothing measured: nothing to compare
    }
}
