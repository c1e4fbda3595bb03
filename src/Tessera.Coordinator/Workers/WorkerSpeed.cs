namespace Tessera.Coordinator.Workers;

/// <summary>
/// A worker's training speed as the coordinator measures it: the work a task assigned (steps × batch samples, in
/// FLOPs of its job's artifact so one model's measurement carries over to another) over the wall time from handing
/// the task out to its upload arriving. That time includes fetching weights and sending the
/// update, which is what a round actually waits for. The worker's own figure only seeds the first task; after that
/// routing and K sizing use the smoothed measurement, and a claim far above it is shown as inflated.
/// </summary>
public static class WorkerSpeed
{
    /// <summary>Weight of the newest task in the moving average (EWMA): a few tasks follow a changed device.</summary>
    public const double Smoothing = 0.3;

    /// <summary>A claim above this many times the measured speed is flagged.</summary>
    public const double InflationFactor = 2;

    /// <summary>One task's throughput (work per second), or null when the timing cannot mean anything.</summary>
    public static double? Sample(double work, TimeSpan elapsed) =>
        work > 0 && elapsed > TimeSpan.Zero ? work / elapsed.TotalSeconds : null;

    /// <summary>The measured speed after one more task; the first task's sample stands alone (the claim is not blended in).</summary>
    public static double Blend(double measured, double sample) => measured > 0 ? measured + Smoothing * (sample - measured) : sample;

    /// <summary>What routing and K sizing use: the measurement once there is one, the claim before.</summary>
    public static double ForRouting(double claimed, double measured) => measured > 0 ? measured : claimed;

    public static bool ClaimInflated(double claimed, double measured) => measured > 0 && claimed > InflationFactor * measured;
}
