namespace Tessera.Federation.Rounds.Lifecycle;

public enum RoundPhase { Collecting, Closing }

/// <summary>
/// What a collecting round does on a tick: tasks to expire (their worker stopped heartbeating, or their deadline
/// passed), how many replacements to invite, and whether to close or, short of results at the deadline, wait longer.
/// </summary>
public sealed record CollectStep<TTask>(IReadOnlyList<TTask> Expire, int Invite, bool Close, bool ExtendDeadline);

/// <summary>
/// One synchronous round as a state machine (DESIGN §8), pure so a unit test drives it without Orleans, a network or
/// a clock: tasks are handed out, uploads are claimed against the quorum (exactly <see cref="Target"/> may be out or
/// counted), each claim ends counted, released or refused, and the round closes once it is closing and no claim is
/// out. Every transition that can make the close due returns true exactly once, when the caller must start it (the
/// coordinator's job grain then aggregates off its turn). The caller does the I/O: storage, metrics, folding.
/// </summary>
public class RoundLifecycle<TTask> where TTask : class, IRoundTask
{
    public required int Round { get; init; }
    public required int Attempt { get; init; }
    public required long Version { get; init; }
    public required int Target { get; init; }
    public required int Invited { get; init; }
    public required DateTimeOffset Started { get; init; }
    public DateTimeOffset Deadline { get; set; }
    public RoundPhase Phase { get; private set; } = RoundPhase.Collecting;
    /// <summary>The close (aggregate, evaluate, checkpoint) was started; the round takes no more transitions that could start it again.</summary>
    public bool CloseStarted { get; private set; }
    public Dictionary<string, TTask> Tasks { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Contributors { get; } = new(StringComparer.Ordinal);
    /// <summary>Uploads claimed but not yet counted, released or refused; the round closes only at zero.</summary>
    public int Folding { get; private set; }

    public int Accepted => Contributors.Count;

    /// <summary>Training tasks handed out and not yet uploaded (verification tasks are not the round's results).</summary>
    public IEnumerable<TTask> Open => Tasks.Values.Where(t => t.State == TaskState.Assigned && !t.IsVerification);

    /// <summary>Whether the round still wants this task run: all of them while collecting; once closing, only the re-runs its held updates wait on.</summary>
    public bool Wants(TTask t) => Phase == RoundPhase.Collecting || t.IsVerification;

    /// <summary>Whether this worker may be invited (again): it has not counted, and holds no open or declined task of the round.</summary>
    public bool CanInvite(string workerId) =>
        !Contributors.Contains(workerId) && !Tasks.Values.Any(t => t.WorkerId == workerId && t.State is TaskState.Assigned or TaskState.Folding or TaskState.Declined);

    /// <summary>Why an upload for this task of the round cannot be taken now (null: it can be claimed).</summary>
    public string? Check(TTask t)
    {
        if (Phase != RoundPhase.Collecting && !t.IsVerification) return $"round {Round} is closing; late results are not counted";
        if (t.State == TaskState.Expired) return $"task {t.Id} expired (deadline or missed heartbeats); the round went on without it";
        return null;
    }

    /// <summary>
    /// Claims an upload: a training task's counts against the quorum, so once claims cover it later uploads find the
    /// round closing; a verifier's re-run is claimed only for its vote. Null when claimed, else why not.
    /// </summary>
    public string? Claim(TTask t)
    {
        if (Check(t) is { } why) return why;
        if (t.IsVerification) { t.State = TaskState.Folding; return null; }
        if (Accepted + Folding >= Target) return $"round {Round} is closing; late results are not counted";
        t.State = TaskState.Folding;
        Folding++;
        return null;
    }

    /// <summary>The claimed upload could not be folded: the task is open again. True when the close is due now.</summary>
    public bool Release(TTask t)
    {
        if (t.State != TaskState.Folding) return false;
        t.State = TaskState.Assigned;
        if (t.IsVerification || !Tasks.ContainsKey(t.Id)) return false;
        Folding--;
        return CloseDue();
    }

    /// <summary>The claimed upload was folded: it counts, and reaching the quorum starts closing. True when the close is due now.</summary>
    public bool Count(TTask t)
    {
        t.State = TaskState.Accepted;
        Folding--;
        Contributors.Add(t.WorkerId);
        return Accepted >= Target ? BeginClose() : CloseDue();
    }

    /// <summary>The claimed upload was refused (its audit did not pass, or its verifiers vanished). True when the close is due now.</summary>
    public bool Refuse(TTask t)
    {
        t.State = TaskState.Rejected;
        if (t.IsVerification || !Tasks.ContainsKey(t.Id)) return false;
        Folding--;
        return CloseDue();
    }

    /// <summary>Stops collection. True when the close is due now (no claim out); else it becomes due when the last claim ends.</summary>
    public bool BeginClose()
    {
        if (Phase == RoundPhase.Collecting) Phase = RoundPhase.Closing;
        return CloseDue();
    }

    bool CloseDue()
    {
        if (Phase != RoundPhase.Closing || Folding > 0 || CloseStarted) return false;
        CloseStarted = true;
        return true;
    }

    /// <summary>
    /// The collecting round's next step, decided from the clock, which workers are live and how many could be invited
    /// (the caller carries it out). It closes once nothing is pending or the deadline passed with at least the minimum
    /// of results counted or being folded (a claim out, an audit under way, keeps it open).
    /// </summary>
    public CollectStep<TTask> Collect(DateTimeOffset now, Func<string, bool> isLive, int available, int minClients)
    {
        // Verification tasks expire like any other but do not count towards the round's quorum.
        var expire = Tasks.Values.Where(t => t.State == TaskState.Assigned && (!isLive(t.WorkerId) || now > t.Deadline)).ToList();
        int open = Open.Count(t => !expire.Contains(t));
        int needed = Target - Accepted - Folding - open;
        int invite = needed > 0 && now <= Deadline ? Math.Min(needed, available) : 0;
        bool nothingPending = open + invite == 0 && Folding == 0;
        bool close = (now > Deadline || nothingPending) && Accepted + Folding >= Math.Max(1, minClients);
        return new CollectStep<TTask>(expire, invite, close, !close && now > Deadline);
    }
}
