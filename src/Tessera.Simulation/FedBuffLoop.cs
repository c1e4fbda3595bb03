using Tessera.Data;
using Tessera.Federation;
using Tessera.Federation.Async;
using Tessera.Federation.Planning;
using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Simulation;

/// <summary>
/// Asynchronous FedBuff in simulated time. clients_per_round clients train at once; each starts from the
/// current global version, finishes after its simulated task time, and is folded into the
/// <see cref="FedBuffAggregator"/> in finishing order with staleness weight s(τ); every buffer_size folds make
/// one server step (one "round" in the metrics). When a client finishes, a random idle client starts from the
/// newest version. Training itself runs on background workers as soon as a client starts (its inputs are
/// fixed then), so the cores stay busy while the loop waits for the next arrival in simulated time.
/// A client slower than deadline_seconds is abandoned at the deadline without training.
/// Under privacy.secure_aggregation clients start in buffers of K from one version, as the coordinator hands them out;
/// once the last of a buffer finishes, its updates are masked together and the unmasked mean is one server step
/// (<see cref="FedBuffAggregator.ApplyMaskedBuffer"/>); up to clients_per_round / K buffers train at once.
/// </summary>
internal sealed class FedBuffLoop(Simulator sim)
{
    sealed record Pending(int Client, long BaseVersion, Task<ClientOutcome>? Work, double FinishesAt, SecureBuffer? Buffer = null);

    /// <summary>A secure buffer: K clients started from one model, masked together once all have finished (or dropped).</summary>
    sealed class SecureBuffer(int serial, GlobalModel model, int size)
    {
        public int Serial { get; } = serial;
        public GlobalModel Model { get; } = model;
        public int Size { get; } = size;
        public int Left { get; set; } = size;
        public List<int> Clients { get; } = [];
        public List<ClientOutcome> Outcomes { get; } = [];
    }

    readonly PriorityQueue<Pending, (double, long)> _running = new();
    readonly HashSet<int> _active = new();
    // Last version each client contributed from; FedBuff accepts one update per client per version.
    readonly Dictionary<int, long> _lastBase = new();
    long _sequence;
    long _updates;
    int _buffers, _buffersOpen;

    public SimulationResult Run(CancellationToken cancel)
    {
        var spec = sim.Spec;
        var initial = sim.Strategy.Initialize(sim.Template.Flatten());
        var buffer = new FedBuffAggregator(sim.Strategy, initial, spec.Strategy.BufferSize, maxStaleness: spec.Strategy.MaxStaleness);
        var rng = new DeterministicRandom(SeedMixer.Derive(spec.Seed, SeedMixer.AsyncSelection));
        var log = new MetricsLog(sim);
        log.Initial(initial.Weights);
        int n = sim.Available.Count;
        int concurrency = Math.Min(n, Math.Max(spec.MinClients, spec.ClientsPerRound ?? (int)Math.Ceiling(spec.Fraction * n - 1e-9)));
        using var slots = new SemaphoreSlim(sim.Options.Parallelism);
        var tally = new RoundTally();
        double now = 0;
        bool secure = spec.Privacy.SecureAggregation is not null;
        int k = spec.Strategy.BufferSize;

        try
        {
            if (secure) StartBuffers(rng, buffer.Current, now, slots, concurrency / k);
            else for (int i = 0; i < concurrency; i++) Start(PickIdle(rng, buffer.Current.Version), buffer.Current, now, slots);
            int version = 0;
            sim.Options.Events.RoundStarted?.Invoke(1, spec.Strategy.BufferSize);
            while (version < sim.Rounds && _running.Count > 0)
            {
                cancel.ThrowIfCancellationRequested();
                var next = _running.Dequeue();
                now = next.FinishesAt;
                bool stepped = false;
                if (next.Buffer is null) _active.Remove(next.Client);
                if (next.Buffer is { } secureBuffer) stepped = Arrived(secureBuffer, next, buffer, tally, version);
                else if (next.Work is null) tally.Dropped++;
                else
                {
                    var outcome = Arrive(next, next.Work);
                    if (outcome.Diverged) tally.Dropped++;
                    else try
                    {
                        stepped = buffer.Fold(outcome.Update);
                        tally.Add(outcome);
                        _updates++;
                        sim.Options.Events.UpdateFolded?.Invoke(version + 1, outcome.Update.ClientId);
                        sim.Options.Events.ClientDone?.Invoke(version + 1, tally.Clients, spec.Strategy.BufferSize);
                    }
                    catch (InvalidUpdateException) { tally.Dropped++; }   // staler than max_staleness
                }
                if (stepped)
                {
                    version++;
                    if (log.Record(version, buffer.Current.Weights, tally, now)) break;
                    tally.Reset();
                    if (version < sim.Rounds) sim.Options.Events.RoundStarted?.Invoke(version + 1, spec.Strategy.BufferSize);
                }
                var current = buffer.Current;
                if (secure) StartBuffers(rng, current, now, slots, concurrency / k - _buffersOpen);
                else if (PickIdle(rng, current.Version) is { } client) Start(client, current, now, slots);
            }
        }
        finally
        {
            // Let in-flight workers finish before the pool they use is disposed.
            var inFlight = _running.UnorderedItems.Select(x => x.Element.Work).OfType<Task>().ToArray();
            try { Task.WaitAll(inFlight); } catch (AggregateException) { }
        }
        return new SimulationResult(log.Rounds, log.Stop.ReachedAt, buffer.Current, log.WallSeconds, _updates, sim.Pool.Created, sim.Pool.PeakLive, StoppedEarly: log.StoppedEarly(buffer.Current));
    }

    void Start(int? pick, GlobalModel model, double now, SemaphoreSlim slots, SecureBuffer? into = null)
    {
        if (pick is not { } client) return;
        var (_, seconds) = sim.TaskCost(client);
        _active.Add(client);
        into?.Clients.Add(client);
        long seq = _sequence++;
        if (sim.Spec.DeadlineSeconds is { } deadline && seconds > deadline)
        {
            _running.Enqueue(new Pending(client, model.Version, null, now + deadline, into), (now + deadline, seq));
            return;
        }
        string id = sim.ClientIds[client];
        var work = Task.Run(async () =>
        {
            await slots.WaitAsync();   // queued clients wait without holding a thread
            try { return sim.Runner.Train(client, id, seq, model); }
            finally { slots.Release(); }
        });
        _running.Enqueue(new Pending(client, model.Version, work, now + seconds, into), (now + seconds, seq));
    }

    /// <summary>A client's training, arrived: it is not picked again from that version, and keeps its own local tensors.</summary>
    ClientOutcome Arrive(Pending p, Task<ClientOutcome> work)
    {
        var outcome = work.GetAwaiter().GetResult();
        // Not picked again from this version, diverged or not: a model every client diverges from ends the
        // run instead of spinning. (A too-stale update's base is behind the current version: no effect.)
        _lastBase[p.Client] = p.BaseVersion;
        // FedBN: kept on arrival, as a worker keeps them after training whether or not its update is folded.
        if (!outcome.Diverged && outcome.NewLocalTensors is { } own) sim.Local!.Keep(p.Client, own);
        return outcome;
    }

    /// <summary>Starts up to <paramref name="count"/> secure buffers of K idle clients each from <paramref name="model"/>.</summary>
    void StartBuffers(DeterministicRandom rng, GlobalModel model, double now, SemaphoreSlim slots, int count)
    {
        int k = sim.Spec.Strategy.BufferSize;
        for (int b = 0; b < count; b++)
        {
            var picks = new List<int>();
            while (picks.Count < k && PickIdle(rng, model.Version) is { } c)
            {
                picks.Add(c);
                _active.Add(c);
            }
            if (picks.Count < k)
            {
                foreach (var c in picks) _active.Remove(c);
                return;
            }
            var buffer = new SecureBuffer(++_buffers, model, k);
            foreach (var c in picks) Start(c, model, now, slots, buffer);
            _buffersOpen++;
        }
    }

    /// <summary>
    /// A secure buffer's member has finished (or dropped); once the last has, the survivors' updates are masked
    /// together and their unmasked mean applied. True when that took a server step.
    /// </summary>
    bool Arrived(SecureBuffer b, Pending member, FedBuffAggregator fedBuff, RoundTally tally, int version)
    {
        b.Left--;
        if (member.Work is not null && Arrive(member, member.Work) is { Diverged: false } outcome) b.Outcomes.Add(outcome);
        if (b.Left > 0) return false;
        // Its members stay busy until the buffer is unmasked, as the coordinator's do.
        foreach (var c in b.Clients) _active.Remove(c);
        _buffersOpen--;
        tally.Dropped += b.Size - b.Outcomes.Count;
        if (b.Outcomes.Count == 0) return false;
        var masked = new SecureRoundAggregator(sim.Spec, sim.Plan.Privacy, sim.Strategy, b.Model, b.Serial, b.Size);
        foreach (var o in b.Outcomes) masked.Fold(o.Update);
        try { fedBuff.ApplyMaskedBuffer(masked.Finish(), b.Model.Version); }
        catch (Exception e) when (e is InvalidUpdateException or InvalidOperationException)   // too stale, or too few left to unmask
        {
            tally.Dropped += b.Outcomes.Count;
            return false;
        }
        foreach (var o in b.Outcomes)
        {
            tally.Add(o);
            _updates++;
            sim.Options.Events.UpdateFolded?.Invoke(version + 1, o.Update.ClientId);
            sim.Options.Events.ClientDone?.Invoke(version + 1, tally.Clients, b.Size);
        }
        return true;
    }

    /// <summary>A uniformly random client that is not training and has not yet contributed from this version.</summary>
    int? PickIdle(DeterministicRandom rng, long version)
    {
        int n = sim.Available.Count;
        bool Idle(int c) => !_active.Contains(c) && !(_lastBase.TryGetValue(c, out var v) && v == version);
        for (int tries = 0; tries < 64; tries++)
        {
            int c = Simulator.ClientIndex(sim.Available[rng.NextInt(n)]);
            if (Idle(c)) return c;
        }
        int offset = rng.NextInt(n);
        for (int k = 0; k < n; k++)
        {
            int c = Simulator.ClientIndex(sim.Available[(offset + k) % n]);
            if (Idle(c)) return c;
        }
        return null;
    }
}
