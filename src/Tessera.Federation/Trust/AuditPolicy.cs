using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Trust;

/// <summary>
/// Which accepted tasks are re-run (BOINC's adaptive replication, made probabilistic): a worker is audited on
/// every task until it has passed <see cref="VerificationSpec.TrustedAfter"/> audits in a row, then with
/// probability max(p_min, 1/n) for n consecutive passes. The floor keeps "build trust, then cheat" a losing
/// game: each cheated task is caught with probability at least p_min, and one catch revokes all pending credit.
/// The draw happens after the upload (and its commitment) arrived, from randomness the worker cannot see.
/// </summary>
public static class AuditPolicy
{
    public static double Probability(TrustRecord trust, VerificationSpec spec)
    {
        if (!spec.Enabled) return 0;
        if (trust.ConsecutivePasses < spec.TrustedAfter) return 1;
        return Math.Max(spec.MinRate, 1.0 / Math.Max(1, trust.ConsecutivePasses));
    }

    /// <summary>Decides one audit from a uniform draw in [0, 1) (a CSPRNG in the coordinator, a seeded one in simulations).</summary>
    public static bool Chooses(TrustRecord trust, VerificationSpec spec, double uniform) => uniform < Probability(trust, spec);

    /// <summary>
    /// Expected share of a worker's first <paramref name="tasks"/> tasks that are audited when it stays honest
    /// (every audit passes): what verification costs on an honest fleet.
    /// </summary>
    public static double ExpectedAuditShare(int tasks, VerificationSpec spec)
    {
        if (tasks <= 0 || !spec.Enabled) return 0;
        // The pass count n after t tasks is random once audits are sampled; track its distribution exactly.
        var dist = new Dictionary<int, double> { [0] = 1.0 };
        double audits = 0;
        for (int t = 0; t < tasks; t++)
        {
            var next = new Dictionary<int, double>();
            foreach (var (n, pn) in dist)
            {
                double p = Probability(new TrustRecord(n, 0, 0, false), spec);
                audits += pn * p;
                Add(next, n + 1, pn * p);
                if (p < 1) Add(next, n, pn * (1 - p));
            }
            dist = next;
        }
        return audits / tasks;

        static void Add(Dictionary<int, double> d, int k, double v) => d[k] = d.GetValueOrDefault(k) + v;
    }
}
