namespace Tessera.Federation.Evaluation;

/// <summary>
/// The evaluate stage of a round, done where the data is (as Flower's evaluate rounds): workers' reports on their
/// held-out splits folded into sample-weighted means. Streaming, O(metrics) memory, order-independent.
/// </summary>
public sealed class FederatedEvaluation
{
    double _lossSum, _accuracySum;
    long _accuracySamples;
    readonly Dictionary<string, (double Sum, long Samples)> _metrics = new(StringComparer.Ordinal);

    public long Samples { get; private set; }
    public int Reports { get; private set; }

    public void Add(long samples, double loss, double? accuracy, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        Reports++;
        Samples += samples;
        _lossSum += loss * samples;
        if (accuracy is { } a) { _accuracySum += a * samples; _accuracySamples += samples; }
        foreach (var (name, value) in metrics)
        {
            var (sum, n) = _metrics.GetValueOrDefault(name);
            _metrics[name] = (sum + value * samples, n + samples);
        }
    }

    public double? Loss => Samples > 0 ? _lossSum / Samples : null;
    public double? Accuracy => _accuracySamples > 0 ? _accuracySum / _accuracySamples : null;
    public IReadOnlyDictionary<string, double> Metrics => _metrics.ToDictionary(kv => kv.Key, kv => kv.Value.Sum / kv.Value.Samples, StringComparer.Ordinal);

    /// <summary>
    /// One round's metrics beyond loss and accuracy: the coordinator-side test set's as they are, this stage's with a
    /// fed_ prefix (they score the round's base model on the workers' data, not the test set).
    /// </summary>
    public static SortedDictionary<string, double> Combine(IReadOnlyDictionary<string, double>? test, FederatedEvaluation? federated)
    {
        var all = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in test ?? new Dictionary<string, double>()) all[k] = v;
        if (federated is { Samples: > 0 })
            foreach (var (k, v) in federated.Metrics) all["fed_" + k] = v;
        return all;
    }
}
