namespace Tessera.Protocol.Jobs;

/// <summary>
/// What model.fedbn asks of the rest of a spec. Only the .NET worker keeps BatchNorm tensors between tasks, so a
/// FedBN job's tasks go to it alone (requirements.runtimes defaults to dotnet; naming another runtime is refused);
/// and a replay audit cannot know a worker's own BatchNorm values, so its work is unverifiable: replay defaults to off,
/// and asking for it is refused (as for data on the workers and top-k uploads).
/// </summary>
internal static class FedBnRules
{
    const string Dotnet = "dotnet";

    /// <param name="replayNamed">Whether the spec wrote verification.replay itself (rather than taking the default).</param>
    public static JobSpec Apply(JobSpec spec, bool replayNamed)
    {
        if (!spec.Model.FedBn) return spec;
        if (spec.Requirements.Runtimes.FirstOrDefault(r => r != Dotnet) is { } other)
            throw new JobSpecException("requirements.runtimes", $"the {other} worker does not keep BatchNorm tensors local (model.fedbn); only dotnet does");
        if (spec.Verification.Enabled && replayNamed)
            throw new JobSpecException("verification.replay", "model.fedbn keeps each worker's BatchNorm tensors on the worker, which a replay cannot know; its credit is unverifiable (use replay: off)");
        if (spec.Verification.Enabled) spec = spec with { Verification = spec.Verification with { Replay = VerificationSpec.Off } };
        return spec.Requirements.Runtimes.Count > 0 ? spec : spec with { Requirements = spec.Requirements with { Runtimes = [Dotnet] } };
    }
}
