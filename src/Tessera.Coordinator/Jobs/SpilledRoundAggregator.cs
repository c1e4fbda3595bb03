using Tessera.Coordinator.Storage;
using Tessera.Federation;
using Tessera.Federation.Robust;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// A node's aggregator of one round attempt of a job with a robust aggregator: every accepted update is validated
/// as any round's are (<see cref="BufferedRoundAggregator"/>) and appended to this node's spill file. It holds no
/// sum: at close the job grain reads every node's spill of the attempt as one cohort (<see cref="CohortClose"/>).
/// </summary>
public sealed class SpilledRoundAggregator : IRoundAggregator, IDisposable
{
    readonly SpillBuffer _buffer;
    readonly BufferedRoundAggregator _inner;

    public SpilledRoundAggregator(int round, GlobalModel model, string spillPath)
    {
        _buffer = new SpillBuffer(new SpillWriter(spillPath, model.Length));
        _inner = new BufferedRoundAggregator(round, _buffer, _ => throw new InvalidOperationException(
            $"round {round} of a robust job is aggregated by its job grain from every node's spill file, not by one node"), expectedBaseVersion: model.Version);
    }

    public int Round => _inner.Round;
    public int Count => _inner.Count;
    public void Fold(ClientUpdate update) => _inner.Fold(update);
    public RoundAggregate Finish() => _inner.Finish();
    public RoundPartial TakePartial() => _inner.TakePartial();
    public void Merge(RoundPartial partial) => _inner.Merge(partial);
    public void Dispose() => _buffer.Dispose();

    /// <summary>Writes through to the spill file; reading it back (a single node's own set) maps the file once writing is over.</summary>
    sealed class SpillBuffer(SpillWriter writer) : IUpdateBuffer
    {
        SpilledUpdateSet? _read;

        public int Count => writer.Entries.Count;
        public int Length => writer.Length;
        public ReadOnlySpan<float> this[int index] => Read()[index];
        public string ClientId(int index) => writer.Entries[index].ClientId;
        public double Weight(int index) => writer.Entries[index].Weight;
        public void Add(string clientId, ReadOnlySpan<float> delta, double weight) => writer.Append(clientId, weight, delta);

        SpilledUpdateSet Read() => _read ??= new SpilledUpdateSet(writer.Length, [(writer.Path, writer.Entries.ToList())]);

        public void Dispose()
        {
            _read?.Dispose();
            writer.Dispose();
        }
    }
}
