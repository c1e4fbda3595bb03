namespace Tessera.Federation;

/// <summary>
/// The streaming aggregator behind every synchronous strategy. A strategy supplies the per-update
/// weight and the final normalizer; everything else (validation, version and duplicate checks,
/// locking, control variates, merging partials from other nodes) lives here once.
/// </summary>
public sealed class RoundAggregator : IRoundAggregator
{
    private readonly Func<ClientUpdate, double> _weightOf;
    private readonly Func<RoundTotals, double> _normalizer;
    private readonly long? _expectedBaseVersion;
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
    /// <param name="expectedBaseVersion">Global version this round's clients were sent; other versions are rejected.</param>
    public RoundAggregator(
        int round,
        int modelLength,
        Func<ClientUpdate, double> weightOf,
        Func<RoundTotals, double>? normalizer = null,
        bool collectControlVariates = false,
        long? expectedBaseVersion = null)
    {
        Round = round;
        _weightOf = weightOf;
        _normalizer = normalizer ?? (t => t.TotalWeight);
        _expectedBaseVersion = expectedBaseVersion;
        _deltas = new WeightedSum(modelLength);
        _controlVariates = collectControlVariates ? new WeightedSum(modelLength) : null;
    }

    /// <summary>FedAvg's rule: weight by sample count, divide by total samples.</summary>
    public static RoundAggregator SampleWeighted(int round, int modelLength, long? expectedBaseVersion = null) =>
        new(round, modelLength, u => u.SampleCount, expectedBaseVersion: expectedBaseVersion);

    public int Round { get; }

    public int Count
    {
        get { lock (_gate) return _deltas.Count; }
    }

    public void Fold(ClientUpdate update)
    {
        // Validation reads only the update, so it runs outside the lock; the SIMD fold is inside.
        UpdateValidator.Validate(update, _deltas.Length, _controlVariates is not null);
        if (_expectedBaseVersion is { } expected && update.BaseVersion != expected)
            throw new InvalidUpdateException(update.ClientId, $"trained from version {update.BaseVersion} but round {Round} is on version {expected}.");
        double weight = _weightOf(update);
        if (!double.IsFinite(weight) || weight <= 0)
            throw new InvalidUpdateException(update.ClientId, $"aggregation weight must be finite and positive, got {weight}.");

        lock (_gate)
        {
            ThrowIfFinished();
            if (!_seen.Add(update.ClientId))
                throw new InvalidUpdateException(update.ClientId, $"already folded an update in round {Round}.");
            _deltas.Add(update.Delta, weight);
            _controlVariates?.Add(update.ControlVariateDelta!, 1.0);
            _samples += update.SampleCount;
            _sampleSteps += (double)update.SampleCount * update.LocalSteps;
        }
    }

    public void Merge(RoundPartial partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        if (partial.Round != Round)
            throw new ArgumentException($"Partial is for round {partial.Round}, this aggregator is round {Round}.", nameof(partial));
        if (partial.WeightedDeltaSum.Length != _deltas.Length)
            throw new ArgumentException($"Partial has {partial.WeightedDeltaSum.Length} elements but the model has {_deltas.Length}.", nameof(partial));
        if ((partial.ControlVariateSum is null) != (_controlVariates is null) && partial.ClientIds.Count > 0)
            throw new ArgumentException("Partial and aggregator disagree on control variates (different strategies?).", nameof(partial));
        if (partial.ClientIds.Count != partial.Totals.ClientCount)
            throw new ArgumentException("Partial's client list and totals disagree.", nameof(partial));

        lock (_gate)
        {
            ThrowIfFinished();
            foreach (var id in partial.ClientIds)
                if (_seen.Contains(id))
                    throw new InvalidUpdateException(id, $"counted on two aggregator nodes in round {Round}; partial not merged.");
            _seen.UnionWith(partial.ClientIds);
            _deltas.AddSum(partial.WeightedDeltaSum, partial.Totals.TotalWeight, partial.Totals.ClientCount);
            if (partial.ControlVariateSum is { } cv)
                _controlVariates!.AddSum(cv, partial.Totals.ClientCount, partial.Totals.ClientCount);
            _samples += partial.Totals.TotalSamples;
            _sampleSteps += partial.Totals.SampleWeightedSteps;
        }
    }

    public RoundPartial TakePartial()
    {
        lock (_gate)
        {
            ThrowIfFinished();
            _finished = true;
            return new RoundPartial(Round, _deltas.TakeScaled(1.0), _controlVariates?.TakeScaled(1.0), Totals(), _seen.ToArray());
        }
    }

    public RoundAggregate Finish()
    {
        lock (_gate)
        {
            ThrowIfFinished();
            if (_deltas.Count == 0)
                throw new InvalidOperationException($"Round {Round} has no updates to aggregate.");
            _finished = true;

            float[] delta = _deltas.TakeScaled(1.0 / _normalizer(Totals()));
            float[]? dc = _controlVariates?.TakeMean();
            return new RoundAggregate(Round, delta, _deltas.Count, _samples, dc);
        }
    }

    private RoundTotals Totals() => new(_deltas.Count, _samples, _deltas.TotalWeight, _sampleSteps);

    private void ThrowIfFinished()
    {
        if (_finished)
            throw new InvalidOperationException($"Round {Round} is already finished; nothing more can be folded or merged.");
    }
}
