using Orleans.Runtime;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>One task of a round as the job grain tracks it: who has it, how many steps, by when.</summary>
public sealed class RoundTask : IRoundTask
{
    public required string Id { get; init; }
    public required string WorkerId { get; init; }
    public required int Round { get; init; }
    public required long Version { get; init; }
    public required int Steps { get; init; }
    public required int? Shard { get; init; }
    public required string? LocalData { get; init; }
    public required int Samples { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    public TaskState State { get; set; } = TaskState.Assigned;
    /// <summary>The node whose aggregator claimed (then folded) the upload; its partial is asked for at close.</summary>
    public SiloAddress? Node { get; set; }

    /// <summary>A verification task: the task it re-runs (and that task's worker); null for training tasks.</summary>
    public RoundTask? Verifies { get; init; }
    public bool IsVerification => Verifies is not null;
    /// <summary>A training task whose upload waits for verification tasks: their verdicts so far (keyed by verification task id).</summary>
    public Federation.Trust.VerificationQuorum<AuditNotice>? Votes { get; set; }

    /// <summary>A secure round's task: its client number in the round's SecAgg+ cohort; null otherwise.</summary>
    public SecureSlot? Secure { get; set; }

    /// <summary>A fresh task id: random, so a worker cannot guess another's result URL.</summary>
    public static string NewId() => "t-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    /// <summary>A re-run of <paramref name="original"/> (same version, steps and shard) for <paramref name="verifierId"/> to check it.</summary>
    public static RoundTask VerificationOf(RoundTask original, string verifierId, DateTimeOffset deadline) => new()
    {
        Id = NewId(), WorkerId = verifierId, Round = original.Round, Version = original.Version, Steps = original.Steps, Shard = original.Shard,
        LocalData = null, Samples = original.Samples, Deadline = deadline, Verifies = original,
    };

    public TaskInfo Info => new(Id, WorkerId, Round, Version, Steps, Shard, LocalData, Samples, Deadline, Verifies?.Id, Verifies?.WorkerId, Secure);
}
