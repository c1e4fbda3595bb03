using Tessera.Federation.Strategies;

namespace Tessera.Federation.Async;

/// <summary>
/// FedBuff (Nguyen et al. 2022), buffered asynchronous aggregation. There are no rounds: clients
/// pull <see cref="Current"/>, train, and upload whenever they finish. Each upload is folded at
/// once with weight s(τ), τ = Current.Version − BaseVersion; after K uploads the buffer
/// Σ s(τ_i)·Δ_i / K is handed to a server strategy's Apply (FedAvg = the paper's server-lr step;
/// FedAvgM/FedAdam also compose) and the version increments.
/// Under secure aggregation a buffer is masked together instead (<see cref="ApplyMaskedBuffer"/>): its K members
/// train from one base version, so they share τ and s(τ) scales the mean the coordinator unmasks.
/// Thread-safe; memory is one model-sized buffer.
/// </summary>
public sealed class FedBuffAggregator
{
    private readonly IStrategy _server;
    private readonly Func<long, double> _staleness;
    private readonly long? _maxStaleness;
    private readonly WeightedSum _buffer;
    // A client may contribute once per base version: replays and retries must not count twice.
    private readonly Dictionary<string, long> _lastBaseVersion = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private GlobalModel _current;
    private long _bufferedSamples;

    /// <param name="serverStrategy">Server step applied to each full buffer (its aggregation/selection is unused).</param>
    /// <param name="bufferSize">K, uploads per server step.</param>
    /// <param name="staleness">s(τ); defaults to <see cref="Staleness.InverseSqrt"/>.</param>
    /// <param name="maxStaleness">Uploads staler than this are rejected outright; null accepts any.</param>
    public FedBuffAggregator(IStrategy serverStrategy, GlobalModel initial, int bufferSize,
        Func<long, double>? staleness = null, long? maxStaleness = null)
    {
        ArgumentNullException.ThrowIfNull(serverStrategy);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        if (maxStaleness is < 0)
            throw new ArgumentOutOfRangeException(nameof(maxStaleness), maxStaleness, "Must be non-negative.");
        _server = serverStrategy;
        _current = initial;
        BufferSize = bufferSize;
        _staleness = staleness ?? Staleness.InverseSqrt;
        _maxStaleness = maxStaleness;
        _buffer = new WeightedSum(initial.Length);
    }

    public int BufferSize { get; }

    /// <summary>The latest global model; clients start from this and report its Version back.</summary>
    public GlobalModel Current
    {
        get { lock (_gate) return _current; }
    }

    /// <summary>Uploads waiting in the buffer (0..K−1).</summary>
    public int Buffered
    {
        get { lock (_gate) return _buffer.Count; }
    }

    /// <summary>Instructions for a client about to start training from the current model.</summary>
    public ClientConfig ConfigureClient(string clientId, IReadOnlyDictionary<string, double>? hyperparameters = null)
    {
        var model = Current;
        return new ClientConfig(clientId, model.Version, hyperparameters ?? new Dictionary<string, double>());
    }

    /// <summary>
    /// Folds one upload; returns true when it filled the buffer and a server step was applied
    /// (read <see cref="Current"/> for the new model). Rejections throw <see cref="InvalidUpdateException"/>
    /// and change nothing.
    /// </summary>
    public bool Fold(ClientUpdate update)
    {
        UpdateValidator.Validate(update, _buffer.Length);
        lock (_gate)
        {
            double weight = StalenessWeight(update.ClientId, update.BaseVersion);
            if (_lastBaseVersion.TryGetValue(update.ClientId, out long last) && update.BaseVersion <= last)
                throw new InvalidUpdateException(update.ClientId, $"already contributed an update trained from version {last}; one per version.");

            _lastBaseVersion[update.ClientId] = update.BaseVersion;
            _buffer.Add(update.Delta, weight);
            _bufferedSamples += update.SampleCount;
            if (_buffer.Count < BufferSize)
                return false;

            // The paper divides by K, not Σ s(τ_i): stale buffers take a proportionally smaller step.
            var aggregate = new RoundAggregate((int)Math.Min(_current.Version, int.MaxValue), _buffer.Scaled(1.0 / BufferSize), _buffer.Count, _bufferedSamples);
            _current = _server.Apply(_current, aggregate);
            _buffer.Clear();
            _bufferedSamples = 0;
            return true;
        }
    }

    /// <summary>
    /// Applies a buffer whose members masked their updates together (privacy.secure_aggregation): only their
    /// unweighted mean is known, and every member trained from <paramref name="baseVersion"/>, so each one's weight
    /// s(τ) is the same and Σ s(τ)·Δ_i / K = s(τ)·mean. Dropouts leave a smaller buffer: its mean is over the survivors.
    /// Too stale a buffer throws <see cref="InvalidUpdateException"/> and changes nothing. Returns the new version.
    /// </summary>
    public long ApplyMaskedBuffer(RoundAggregate mean, long baseVersion)
    {
        ArgumentNullException.ThrowIfNull(mean);
        if (mean.Delta.Length != _buffer.Length)
            throw new ArgumentException($"the buffer's mean has {mean.Delta.Length} values; the model has {_buffer.Length}", nameof(mean));
        lock (_gate)
        {
            if (_buffer.Count > 0) throw new InvalidOperationException("a masked buffer cannot be applied over updates folded one by one");
            double weight = StalenessWeight($"masked buffer from version {baseVersion}", baseVersion);
            var scaled = (float[])mean.Delta.Clone();
            System.Numerics.Tensors.TensorPrimitives.Multiply(scaled, (float)weight, scaled);
            _current = _server.Apply(_current, mean with { Round = (int)Math.Min(_current.Version, int.MaxValue), Delta = scaled });
            return _current.Version;
        }
    }

    /// <summary>s(τ) for an update trained from <paramref name="baseVersion"/>; too stale or from the future throws <see cref="InvalidUpdateException"/>. Call under the gate.</summary>
    private double StalenessWeight(string who, long baseVersion)
    {
        long tau = _current.Version - baseVersion;
        if (tau < 0) throw new InvalidUpdateException(who, $"base version {baseVersion} is newer than the server's {_current.Version}.");
        if (tau > _maxStaleness) throw new InvalidUpdateException(who, $"staleness {tau} exceeds the limit {_maxStaleness}.");
        double weight = _staleness(tau);
        if (!double.IsFinite(weight) || weight <= 0)
            throw new InvalidOperationException($"Staleness function gave {weight} for τ={tau}; it must be finite and positive.");
        return weight;
    }
}
