using Tessera.Data;
using Tessera.Federation;
using Tessera.Federation.Async;

using Tessera.Federation.Planning;

namespace Tessera.Simulation;

/// <summary>
/// Asynchronous FedBuff in simulated time. clients_per_round clients train at once; each starts from the
/// current global version, finishes after its simulated task time, and is folded into the
/// <see cref="FedBuffAggregator"/> in finishing order with staleness weight s(τ); every buffer_size folds make
/// one server step (one "round" in the metrics). When a client finishes, a random idle client starts from the
/// newest version. Training itself runs on background workers as soon as a client starts (its inputs are
/// fixed then), so the cores stay busy while the loop waits for the next arrival in simulated time.
/// A client slower than deadline_seconds is abandoned at the deadline without training.
/// </summary>
internal sealed class FedBuffLoop(Simulator sim)
{
    sealed record Pending(int Client, long BaseVersion, Task<ClientOutcome>? Work, double FinishesAt);

    readonly PriorityQueue<Pending, (double, long)> _running = new();
    readonly HashSet<int> _active = new();
    // Last version each client contributed from; FedBuff accepts one update per client per version.
    readonly Dictionary<int, long> _lastBase = new();
    long _sequence;

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
        long updates = 0;
        double now = 0;

        try
        {
            for (int i = 0; i < concurrency; i++) Start(PickIdle(rng, buffer.Current.Version), buffer.Current, now, slots);
            int version = 0;
            sim.Options.Events.RoundStarted?.Invoke(1, spec.Strategy.BufferSize);
            while (version < sim.Rounds && _running.Count > 0)
            {
                cancel.ThrowIfCancellationRequested();
                var next = _running.Dequeue();
                now = next.FinishesAt;
                _active.Remove(next.Client);
                bool stepped = false;
                if (next.Work is null) tally.Dropped++;
                else
                {
                    var outcome = next.Work.GetAwaiter().GetResult();
                    // Not picked again from this version, diverged or not: a model every client diverges from ends the
                    // run instead of spinning. (A too-stale update's base is behind the current version: no effect.)
                    _lastBase[next.Client] = next.BaseVersion;
                    // FedBN: kept on arrival, as a worker keeps them after training whether or not its update is folded.
                    if (!outcome.Diverged && outcome.NewLocalTensors is { } own) sim.Local!.Keep(next.Client, own);
                    if (outcome.Diverged) tally.Dropped++;
                    else try
                    {
                        stepped = buffer.Fold(outcome.Update);
                        tally.Add(outcome);
                        updates++;
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
                if (PickIdle(rng, current.Version) is { } client) Start(client, current, now, slots);
            }
        }
        finally
        {
            // Let in-flight workers finish before the pool they use is disposed.
            var inFlight = _running.UnorderedItems.Select(x => x.Element.Work).OfType<Task>().ToArray();
            try { Task.WaitAll(inFlight); } catch (AggregateException) { }
        }
        return new SimulationResult(log.Rounds, log.Stop.ReachedAt, buffer.Current, log.WallSeconds, updates, sim.Pool.Created, sim.Pool.PeakLive, StoppedEarly: log.StoppedEarly(buffer.Current));
    }

    void Start(int? pick, GlobalModel model, double now, SemaphoreSlim slots)
    {
        if (pick is not { } client) return;
        var (_, seconds) = sim.TaskCost(client);
        _active.Add(client);
        long seq = _sequence++;
        if (sim.Spec.DeadlineSeconds is { } deadline && seconds > deadline)
        {
            _running.Enqueue(new Pending(client, model.Version, null, now + deadline), (now + deadline, seq));
            return;
        }
        string id = sim.ClientIds[client];
        var work = Task.Run(async () =>
        {
            await slots.WaitAsync();   // queued clients wait without holding a thread
            try { return sim.Runner.Train(client, id, seq, model); }
            finally { slots.Release(); }
        });
        _running.Enqueue(new Pending(client, model.Version, work, now + seconds), (now + seconds, seq));
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
