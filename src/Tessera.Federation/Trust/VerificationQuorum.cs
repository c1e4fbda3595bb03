namespace Tessera.Federation.Trust;

/// <summary>What a held update's votes call for: wait for more, fold it, or have the coordinator's replay decide.</summary>
public enum QuorumDecision { Pending, Fold, Arbitrate }

/// <summary>
/// The verdicts of the workers re-running one held update (replay: workers, BOINC-style replication). Only a
/// unanimous pass folds the update; any other verdict asks the coordinator's own replay to decide, and if that
/// replay passes the update, the verifiers that voted against it are the ones caught. A unanimous pass is itself
/// spot-checked by the coordinator's replay with probability <paramref name="spotCheck"/> (the job's min_rate): if
/// that replay fails the update, the verifiers that passed it colluded or lied and are caught. Pure: the job grain keeps
/// one per held update and carries out what it decides. <typeparamref name="TVerdict"/> is the caller's record of a verdict.
/// </summary>
public sealed class VerificationQuorum<TVerdict>(int needed, double spotCheck = 0, Func<double>? uniform = null)
{
    readonly List<(string Verifier, TVerdict Verdict, bool Passed)> _votes = [];

    public int Needed { get; } = needed;
    public int Votes => _votes.Count;

    /// <summary>Who may re-run an update: trusted workers other than its uploader, <paramref name="quorum"/> of them or none.</summary>
    public static IReadOnlyList<T> Choose<T>(IEnumerable<T> idle, Func<T, string> id, string uploader, Func<string, bool> trusted, int quorum)
    {
        var chosen = idle.Where(w => id(w) != uploader && trusted(id(w))).Take(quorum).ToList();
        return chosen.Count == quorum ? chosen : [];
    }

    public QuorumDecision Add(string verifier, TVerdict verdict, bool passed)
    {
        _votes.Add((verifier, verdict, passed));
        if (_votes.Count < Needed) return QuorumDecision.Pending;
        if (!_votes.All(v => v.Passed)) return QuorumDecision.Arbitrate;
        // Drawn after every vote is in, so no verifier can know whether its pass will be checked.
        return uniform is not null && uniform() < spotCheck ? QuorumDecision.Arbitrate : QuorumDecision.Fold;
    }

    /// <summary>The verifiers that passed the update: caught when the coordinator's replay fails it.</summary>
    public IEnumerable<(string Verifier, TVerdict Verdict)> Vouchers => _votes.Where(v => v.Passed).Select(v => (v.Verifier, v.Verdict));

    /// <summary>The first verdict that did not pass, or the first vote of a spot-checked pass (what an arbitration is asked about).</summary>
    public TVerdict FirstDissent => _votes.FirstOrDefault(v => !v.Passed, _votes[0]).Verdict;

    /// <summary>The verifiers whose verdict was not a pass, with their verdicts: caught when the coordinator's replay passes the update.</summary>
    public IEnumerable<(string Verifier, TVerdict Verdict)> Dissenters => _votes.Where(v => !v.Passed).Select(v => (v.Verifier, v.Verdict));

    /// <summary>Whether enough verdicts can still come, with this many re-runs still out.</summary>
    public bool CanStillDecide(int outstanding) => _votes.Count + outstanding >= Needed;
}
