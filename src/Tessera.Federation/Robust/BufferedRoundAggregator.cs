namespace Tessera.Federation.Robust;

/// <summary>
/// A round aggregator for rules that need the whole cohort: validates each upload as <see cref="RoundAggregator"/>
/// does (finite values, length, sample count, base version, one update per client), buffers it, and at Finish hands
/// the set to the robust pipeline. Cross-node partial sums do not exist for such rules, so TakePartial and Merge throw.
/// </summary>
public sealed class BufferedRoundAggregator : IRoundAggregator
{
    readonly IUpdateBuffer _buffer;
    readonly long? _expectedBaseVersion;
    readonly Func<IUpdateSet, RobustAggregate> _aggregate;
    readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    readonly Lock _gate = new();
    long _samples;
    bool _finished;

    /// <param name="aggregate">The robust stage, run once at Finish on the buffered set (weights = sample counts).</param>
    public BufferedRoundAggregator(int round, IUpdateBuffer buffer, Func<IUpdateSet, RobustAggregate> aggregate, long? expectedBaseVersion = null)
    {
        Round = round;
        _buffer = buffer ?? throw new ArgumentNullException(nameof(buffer));
        _aggregate = aggregate ?? throw new ArgumentNullException(nameof(aggregate));
        _expectedBaseVersion = expectedBaseVersion;
    }

    public int Round { get; }

    public int Count { get { lock (_gate) return _buffer.Count; } }

    /// <summary>What the robust stage did to each update, once Finish has run.</summary>
    public IReadOnlyList<UpdateFate>? Fates { get; private set; }

    public void Fold(ClientUpdate update)
    {
        UpdateValidator.Validate(update, _buffer.Length);
        if (update.ControlVariateDelta is not null)
            throw new InvalidUpdateException(update.ClientId, "sent a control variate delta, which a robust aggregator does not combine.");
        if (_expectedBaseVersion is { } expected && update.BaseVersion != expected)
            throw new InvalidUpdateException(update.ClientId, $"trained from version {update.BaseVersion} but round {Round} is on version {expected}.");
        lock (_gate)
        {
            ThrowIfFinished();
            if (!_seen.Add(update.ClientId))
                throw new InvalidUpdateException(update.ClientId, $"already folded an update in round {Round}.");
            _buffer.Add(update.ClientId, update.Delta, update.SampleCount);
            _samples += update.SampleCount;
        }
    }

    public RoundAggregate Finish()
    {
        lock (_gate)
        {
            ThrowIfFinished();
            if (_buffer.Count == 0)
                throw new InvalidOperationException($"Round {Round} has no updates to aggregate.");
            _finished = true;
            try
            {
                var result = _aggregate(_buffer);
                Fates = result.Fates;
                return new RoundAggregate(Round, result.Delta, _buffer.Count, _samples);
            }
            finally { _buffer.Dispose(); }
        }
    }

    public RoundPartial TakePartial() =>
        throw new InvalidOperationException($"Round {Round} uses a robust aggregator, which needs every update of the round in one place; it has no partial sums to hand to another node.");

    public void Merge(RoundPartial partial) =>
        throw new InvalidOperationException($"Round {Round} uses a robust aggregator, which needs every update of the round in one place; partial sums from other nodes cannot be merged into it.");

    void ThrowIfFinished()
    {
        if (_finished)
            throw new InvalidOperationException($"Round {Round} is already finished; nothing more can be folded or merged.");
    }
}
