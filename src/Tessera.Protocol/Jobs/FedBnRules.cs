namespace Tessera.Protocol.Jobs;

/// <summary>
/// What model.fedbn asks of the rest of a spec. Only the .NET worker keeps BatchNorm tensors between tasks, so a
/// FedBN job's tasks go to it alone (requirements.runtimes defaults to dotnet; naming another runtime is refused);
/// and a replay audit cannot know a worker's own BatchNorm values, so replay must be off.
/// </summary>
internal static class FedBnRules
{
    const string Dotnet = "dotnet";

    public static JobSpec Apply(JobSpec spec)
    {
        if (!spec.Model.FedBn) return spec;
        if (spec.Requirements.Runtimes.FirstOrDefault(r => r != Dotnet) is { } other)
            throw new JobSpecException("requirements.runtimes", $"the {other} worker does not keep BatchNorm tensors local (model.fedbn); only dotnet does");
        if (spec.Verification.Enabled)
            throw new JobSpecException("verification.replay", "model.fedbn keeps each worker's BatchNorm tensors on the worker, which a replay cannot know; use replay: off");
        return spec.Requirements.Runtimes.Count > 0 ? spec : spec with { Requirements = spec.Requirements with { Runtimes = [Dotnet] } };
    }
}
