namespace Tessera.Federation.Attacks;

/// <summary>
/// The paper's search for the largest γ a condition allows (Shejwalkar &amp; Houmansadr, Algorithm 1): from γ_init,
/// step up by half the last step after a success, down after a failure, halving the step, until the last success and
/// the probe are within τ. The largest γ it can reach is 2·γ_init.
/// </summary>
public static class GammaSearch
{
    public const double DefaultInitial = 10, DefaultTolerance = 1e-5;

    public static double Largest(Func<double, bool> holds, double initial = DefaultInitial, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(holds);
        double gamma = initial, step = initial, success = 0;
        while (Math.Abs(success - gamma) > tolerance)
        {
            if (holds(gamma)) { success = gamma; gamma += step / 2; }
            else gamma -= step / 2;
            step /= 2;
        }
        return success;
    }
}
