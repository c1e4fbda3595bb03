namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// Rényi-DP accountant over a fixed grid of orders: composition adds per-order RDP, so the state is one vector,
/// and a coordinator can add one round at a time, ask what one more would cost, and checkpoint the vector.
/// Not thread-safe: one job's accountant is driven by one caller.
/// </summary>
public sealed class RdpAccountant
{
    readonly double[] _orders, _rdp;
    // A job repeats the same round; its per-order RDP is computed once.
    SampledGaussian? _lastStep;
    double[]? _lastStepRdp;

    /// <summary>An accountant on dp_accounting's default orders (<see cref="RdpOrders.Default"/>).</summary>
    public RdpAccountant() : this(RdpOrders.Default) { }

    public RdpAccountant(IReadOnlyList<double> orders)
    {
        if (orders.Count == 0) throw new ArgumentException("no orders", nameof(orders));
        foreach (var a in orders)
            if (a is not > 1) throw new ArgumentOutOfRangeException(nameof(orders), a, "Rényi orders must be above 1");
        _orders = [.. orders];
        _rdp = new double[_orders.Length];
    }

    /// <summary>An accountant holding a checkpointed state (<see cref="Orders"/>, <see cref="Rdp"/>, <see cref="Steps"/>).</summary>
    public static RdpAccountant Restore(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, long steps)
    {
        if (rdp.Count != orders.Count) throw new ArgumentException("orders and RDP values must be as many", nameof(rdp));
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var accountant = new RdpAccountant(orders);
        for (int i = 0; i < rdp.Count; i++)
            accountant._rdp[i] = rdp[i] is >= 0 ? rdp[i] : throw new ArgumentOutOfRangeException(nameof(rdp), rdp[i], "RDP values must be non-negative");
        accountant.Steps = steps;
        return accountant;
    }

    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The composed RDP at each order (a copy).</summary>
    public IReadOnlyList<double> Rdp => [.. _rdp];

    /// <summary>Rounds composed so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Adds <paramref name="steps"/> rounds of <paramref name="step"/>; returns this accountant.</summary>
    public RdpAccountant Compose(SampledGaussian step, long steps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (steps == 0) return this;   // 0 × ∞ would poison the vector with NaN
        var one = RdpOf(step);
        for (int i = 0; i < _rdp.Length; i++) _rdp[i] += steps * one[i];
        Steps += steps;
        return this;
    }

    /// <summary>The ε spent so far at <paramref name="delta"/>, and the order that gave it.</summary>
    public PrivacySpent Epsilon(double delta) => EpsilonConversion.Epsilon(_orders, _rdp, delta);

    /// <summary>The ε this job would have spent after <paramref name="steps"/> more rounds of <paramref name="step"/>; composes nothing.</summary>
    public PrivacySpent EpsilonAfter(SampledGaussian step, long steps, double delta)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (steps == 0) return Epsilon(delta);
        var one = RdpOf(step);
        var next = new double[_rdp.Length];
        for (int i = 0; i < next.Length; i++) next[i] = _rdp[i] + steps * one[i];
        return EpsilonConversion.Epsilon(_orders, next, delta);
    }

    /// <summary>Whether <paramref name="steps"/> more rounds would take ε past <paramref name="targetEpsilon"/> at <paramref name="delta"/>.</summary>
    public bool WouldExceed(SampledGaussian step, double targetEpsilon, double delta, long steps = 1) =>
        EpsilonAfter(step, steps, delta).Epsilon > targetEpsilon;

    double[] RdpOf(SampledGaussian step)
    {
        if (_lastStepRdp is null || _lastStep != step)
        {
            _lastStepRdp = step.Rdp(_orders);
            _lastStep = step;
        }
        return _lastStepRdp;
    }
}
