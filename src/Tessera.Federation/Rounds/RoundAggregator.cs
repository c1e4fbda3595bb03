namespace Tessera.Federation;

/// <summary>
/// The streaming aggregator behind every synchronous strategy. A strategy supplies the per-update
/// weight and the final normalizer; everything else (validation, duplicate rejection, locking,
/// control variates) lives here once.
/// </summary>
public sealed class RoundAggregator : IRoundAggregator
{
    private readonly Func<ClientUpdate, double> _weightOf;
    private readonly Func<RoundTotals, double> _normalizer;
    private readonly WeightedSum _deltas;
    private readonly WeightedSum? _controlVariates;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _samples;
    private double _sampleSteps;
    private bool _finished;

    /// <param name="weightOf">Weight of one update's delta in the sum (must come out finite and positive).</param>
    /// <param name="normalizer">Divides the weighted sum at Finish; defaults to Σ weights (a weighted mean).</param>
    /// <param name="collectControlVariates">SCAFFOLD: require and average Δc (unweighted).</param>
    public RoundAggregator(
        int round,
        int modelLength,
        Func<ClientUpdate, double> weightOf,
        Func<RoundTotals, double>? normalizer = null,
        bool collectControlVariates = false)
    {
        Round = round;
        _weightOf = weightOf;
        _normalizer = normalizer ?? (t => t.TotalWeight);
        _deltas = new WeightedSum(modelLength);
        _controlVariates = collectControlVariates ? new WeightedSum(modelLength) : null;
    }

    /// <summary>FedAvg's rule: weight by sample count, divide by total samples.</summary>
    public static RoundAggregator SampleWeighted(int round, int modelLength) =>
        new(round, modelLength, u => u.SampleCount);

    public int Round { get; }

    public int Count
    {
        get { lock (_gate) return _deltas.Count; }
    }

    public void Fold(ClientUpdate update)
    {
        // Validation reads only the update, so it runs outside the lock; the SIMD fold is inside.
        UpdateValidator.Validate(update, _deltas.Length, _controlVariates is not null);
        double weight = _weightOf(update);
        if (!double.IsFinite(weight) || weight <= 0)
            throw new InvalidUpdateException(update.ClientId, $"aggregation weight must be finite and positive, got {weight}.");

        lock (_gate)
        {
            if (_finished)
                throw new InvalidOperationException($"Round {Round} is already finished; late update from '{update.ClientId}' not folded.");
            if (!_seen.Add(update.ClientId))
                throw new InvalidUpdateException(update.ClientId, $"already folded an update in round {Round}.");
            _deltas.Add(update.Delta, weight);
            _controlVariates?.Add(update.ControlVariateDelta!, 1.0);
            _samples += update.SampleCount;
            _sampleSteps += (double)update.SampleCount * update.LocalSteps;
        }
    }

    public RoundAggregate Finish()
    {
        lock (_gate)
        {
            if (_finished)
                throw new InvalidOperationException($"Round {Round} is already finished.");
            if (_deltas.Count == 0)
                throw new InvalidOperationException($"Round {Round} has no updates to aggregate.");
            _finished = true;

            var totals = new RoundTotals(_deltas.Count, _samples, _deltas.TotalWeight, _sampleSteps);
            float[] delta = _deltas.Scaled(1.0 / _normalizer(totals));
            float[]? dc = _controlVariates?.Mean();
            return new RoundAggregate(Round, delta, _deltas.Count, _samples, dc);
        }
    }
}
