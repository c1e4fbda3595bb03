using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Trust;

/// <summary>One row of the escape table: a cheater honest for some tasks, then cheating on m in a row.</summary>
public sealed record EscapeRow(int HonestTasks, int CheatedTasks, double AuditProbability, double Predicted, double Measured, int Runs);

/// <summary>
/// Plays the adaptive audit policy against a "build trust, then cheat" worker, with the same <see cref="TrustBook"/>
/// the coordinator drives: honest for h tasks, then cheating on m in a row; it escapes when none of the m is
/// audited. The measured escape rate is reported beside (1 − p)^m, p being the audit probability at the
/// moment cheating starts (it cannot change while no cheat is audited).
/// </summary>
public static class CheaterSimulation
{
    public static EscapeRow Run(VerificationSpec spec, int honest, int cheated, int runs, int seed)
    {
        var rng = new Random(seed);
        int escaped = 0;
        double predicted = 0, probability = 0;
        for (int run = 0; run < runs; run++)
        {
            var book = new TrustBook(spec, rng.NextDouble);
            for (int t = 0; t < honest; t++) book.Counted("w", book.DrawAudit("w"));
            double p = AuditPolicy.Probability(book.Of("w"), spec);
            probability += p / runs;
            predicted += Math.Pow(1 - p, cheated) / runs;
            bool caught = false;
            for (int t = 0; t < cheated && !caught; t++)
            {
                if (book.DrawAudit("w")) { book.Caught("w", "simulated cheat"); caught = true; }
                else book.Counted("w", audited: false);
            }
            if (!caught) escaped++;
        }
        return new EscapeRow(honest, cheated, probability, predicted, (double)escaped / runs, runs);
    }
}
