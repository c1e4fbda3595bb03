using System.Numerics.Tensors;

namespace Tessera.Federation.Strategies;

/// <summary>
/// Common server step of Reddi et al. 2021, "Adaptive Federated Optimization" (Algorithm 2),
/// with Δ = aggregated client delta (already pointing downhill, so it is added):
/// m ← β1·m + (1−β1)·Δ;  v ← (strategy-specific);  x ← x + η·m / (√v + τ).
/// As in the paper there is no bias correction and v starts at τ².
/// Subclasses supply only the second-moment rule.
/// </summary>
public abstract class AdaptiveStrategy : Strategy
{
    public const string FirstMomentKey = "m";
    public const string SecondMomentKey = "v";

    protected AdaptiveStrategy(ClientSelector? selector, IReadOnlyDictionary<string, double>? clientHyperparameters,
        float serverLearningRate, float beta1, float beta2, float tau)
        : base(selector, clientHyperparameters)
    {
        if (!(tau > 0))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be positive; it bounds the step when v is tiny.");
        ServerLearningRate = serverLearningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Tau = tau;
    }

    public float ServerLearningRate { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Tau { get; }

    public override GlobalModel Apply(GlobalModel current, RoundAggregate aggregate)
    {
        RequireSameLength(current, aggregate);
        ReadOnlySpan<float> delta = aggregate.Delta;

        float[] m = StateOrZeros(current, FirstMomentKey);
        TensorPrimitives.Multiply(m, Beta1, m);
        TensorPrimitives.MultiplyAdd(delta, 1 - Beta1, m, m);

        float[] v = current.State.Get(SecondMomentKey) is { } prev ? (float[])prev.Clone() : InitialSecondMoment(current.Length);
        var squared = new float[delta.Length];
        TensorPrimitives.Multiply(delta, delta, squared);
        UpdateSecondMoment(v, squared);

        // Reuse `squared` as the step buffer: m / (√v + τ).
        Span<float> step = squared;
        TensorPrimitives.Sqrt(v, step);
        TensorPrimitives.Add(step, Tau, step);
        TensorPrimitives.Divide(m, step, step);

        var state = current.State.With(FirstMomentKey, m).With(SecondMomentKey, v);
        return new GlobalModel(Step(current.Weights, step, ServerLearningRate), current.Version + 1, state);
    }

    /// <summary>In-place v update given Δ² (element-wise).</summary>
    protected abstract void UpdateSecondMoment(Span<float> v, ReadOnlySpan<float> deltaSquared);

    private float[] InitialSecondMoment(int length)
    {
        var v = new float[length];
        Array.Fill(v, Tau * Tau);
        return v;
    }
}
