using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Rounds.Lifecycle;

/// <summary>
/// How many local steps K a task gets: the spec's epochs over the worker's samples, capped by max_steps, and no
/// more than the worker's measured speed covers in half the deadline, so slow and fast workers finish together.
/// </summary>
public static class TaskSize
{
    /// <param name="samplesPerSecond">The worker's speed on this job's model; 0 when nothing is known yet.</param>
    public static int Steps(LocalTrainingSpec local, int samples, double samplesPerSecond, TimeSpan deadline)
    {
        int batch = local.BatchSize;
        int steps = local.Epochs * Math.Max(1, (samples + batch - 1) / batch);
        if (local.MaxSteps is { } cap) steps = Math.Min(steps, cap);
        return samplesPerSecond > 0 ? Math.Clamp((int)(samplesPerSecond * deadline.TotalSeconds * 0.5 / batch), 1, steps) : steps;
    }
}
