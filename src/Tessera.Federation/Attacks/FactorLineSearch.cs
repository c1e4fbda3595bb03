using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>
/// Best-effort arg-max of an attack's factor x ≥ 0 (ByzFL's LineMaximize): the score of x is ‖rule(honest ∪ f copies
/// of forge(x)) − honest mean‖, the damage the deployed rule lets through. Expansion from <see cref="Start"/> doubles
/// the step while the score improves; contraction then probes around the best point with a step shrinking by
/// <see cref="Ratio"/>, until <see cref="Evaluations"/> scores were computed.
/// </summary>
public sealed record FactorLineSearch(int Evaluations = 16, double Start = 0, double Delta = 1, double Ratio = 0.8)
{
    /// <returns>The best factor found and its score.</returns>
    public (double Factor, double Score) Maximize(AttackContext context, Func<double, float[]> forge)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(forge);
        var rule = context.Aggregator ?? WeightedMean.Instance;
        var mean = HonestMoments.Mean(context.Honest);
        double Score(double x)
        {
            var forged = forge(x);
            var all = new AttackedSet(context.Honest, Enumerable.Repeat(forged, context.Byzantine).ToArray());
            return HonestMoments.Distance(rule.Aggregate(all).Delta, mean);
        }

        int evals = Evaluations;
        double delta = Delta, bestX = Start, bestY = Score(bestX), probe = bestX;
        evals--;
        while (evals > 0)
        {
            probe = bestX + delta;
            double y = Score(probe);
            evals--;
            if (y > bestY) { (bestX, bestY) = (probe, y); delta *= 2; }
            else { delta *= Ratio; break; }
        }
        while (evals > 0)
        {
            if (probe < bestX) probe += delta;
            else
            {
                double x = probe - delta;
                while (x < 0) x = (x + probe) / 2;   // factors stay non-negative
                probe = x;
            }
            double y = Score(probe);
            evals--;
            if (y > bestY) (bestX, bestY) = (probe, y);
            delta *= Ratio;
        }
        return (bestX, bestY);
    }
}
