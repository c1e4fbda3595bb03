using static Tessera.Federation.Privacy.Accounting.SpecialFunctions;

namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// From an RDP curve to (ε, δ)-DP as dp_accounting's compute_epsilon does: per order the improved bound
/// ε = r + log1p(−1/α) − log(δα)/(α − 1) (Canonne, Kamath &amp; Steinke 2020, Prop. 12), the best order taken.
/// </summary>
public static class EpsilonConversion
{
    public static PrivacySpent Epsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta)
    {
        if (delta is not (> 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be in (0, 1)");
        if (orders.Count != rdp.Count) throw new ArgumentException("orders and RDP values must be as many", nameof(rdp));
        if (orders.Count == 0) throw new ArgumentException("no orders", nameof(orders));
        double best = double.PositiveInfinity, bestOrder = orders[0];
        bool any = false;
        for (int i = 0; i < orders.Count; i++)
        {
            double a = orders[i], r = rdp[i], eps;
            if (a < 1) throw new ArgumentOutOfRangeException(nameof(orders), a, "Rényi orders must be at least 1");
            // A negative divergence is rounding from an extreme step; the reference reads it as no loss.
            if (r < 0) eps = 0;
            // KL bound δ ≤ sqrt(1 − e^{−r}): tiny total RDP already meets δ with ε = 0.
            else if (delta * delta + Expm1(-r) > 0) eps = 0;
            // The bound is unstable as α → 1 and useless there anyway.
            else if (a > 1.01) eps = r + Log1p(-1 / a) - Math.Log(delta * a) / (a - 1);
            else eps = double.PositiveInfinity;
            // First minimum wins, as numpy's argmin.
            if (!any || eps < best) { best = eps; bestOrder = a; any = true; }
        }
        return new PrivacySpent(Math.Max(0, best), delta, bestOrder);
    }
}
