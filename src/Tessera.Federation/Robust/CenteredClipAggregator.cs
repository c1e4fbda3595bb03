using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Centered clipping (Karimireddy et al. 2021): from a centre v, L times v ← v + (1/n) Σ (xᵢ − v)·min(1, τ/‖xᵢ − v‖).
/// Each step moves v at most τ, so an update can pull the result only τ/n per step whatever it sends. The centre is
/// the previous round's aggregate (the paper's choice with worker momentum), or, in the first round, the
/// coordinate-wise median. An adaptive τ (null) is re-read each iteration as the median of ‖xᵢ − v‖: set by the honest
/// majority's spread around the centre, so it neither lets every update through (τ far above the update scale) nor
/// freezes training (τ far below it), whatever the model, learning rate and round.
/// </summary>
public sealed class CenteredClipAggregator : IAggregator
{
    public const int DefaultIterations = 1;

    readonly double? _tau;
    readonly int _iterations;
    readonly int _blockFloats;

    /// <param name="tau">The clipping radius, or null for the adaptive one (the median distance to the centre).</param>
    public CenteredClipAggregator(double? tau, int iterations = DefaultIterations, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        if (tau is { } t && (!(t > 0) || double.IsInfinity(t))) throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be positive and finite");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        (_tau, _iterations, _blockFloats) = (tau, iterations, blockFloats);
    }

    public string Name => "centered_clip";

    public bool UsesPrevious => true;

    /// <summary>The fixed radius, or null when it is adaptive.</summary>
    public double? Tau => _tau;

    public RobustAggregate Aggregate(IUpdateSet updates) => Aggregate(updates, null);

    public RobustAggregate Aggregate(IUpdateSet updates, float[]? previous)
    {
        int n = updates.Count;
        if (n == 0) throw new InvalidOperationException("centered clipping of no updates");
        if (previous is not null && previous.Length != updates.Length)
            throw new ArgumentException($"the previous aggregate has {previous.Length} values, the updates {updates.Length}", nameof(previous));
        var v = previous is not null ? (float[])previous.Clone() : new MedianAggregator(_blockFloats).Aggregate(updates).Delta;
        var scale = new double[n];
        var distances = new double[n];
        var pulled = new float[updates.Length];
        double tau = 0;
        for (int l = 0; l < _iterations; l++)
        {
            // v + (1/n) Σ cᵢ(xᵢ − v) = (1 − Σcᵢ/n)·v + Σ (cᵢ/n)·xᵢ, without an n-sized temporary per update.
            Array.Clear(pulled);
            for (int i = 0; i < n; i++) distances[i] = TensorPrimitives.Distance(updates[i], v);
            tau = _tau ?? ScalarMedian.Of(distances);
            double kept = 0;
            for (int i = 0; i < n; i++)
            {
                double distance = distances[i];
                scale[i] = distance > tau ? tau / distance : 1;
                kept += scale[i] / n;
                TensorPrimitives.MultiplyAdd(updates[i], (float)(scale[i] / n), pulled, pulled);
            }
            TensorPrimitives.MultiplyAdd(v, (float)(1 - kept), pulled, v);
        }
        var fates = new UpdateFate[n];
        for (int i = 0; i < n; i++)
            fates[i] = new UpdateFate(updates.ClientId(i), 1.0 / n, scale[i], false,
                scale[i] < 1 ? $"clipped to τ = {tau:G3} from the centre" : null);
        return new RobustAggregate(v, fates);
    }
}
