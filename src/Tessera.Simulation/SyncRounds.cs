using System.Numerics.Tensors;
using Tessera.Federation;
using Tessera.Federation.Privacy;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Federation.Robust;

namespace Tessera.Simulation;

/// <summary>
/// Synchronous rounds: select (with over-selection), decide from simulated client times who makes it, train
/// those in waves of one client per worker, fold each wave's updates in selection order (deterministic sums,
/// at most one update per worker held at once), apply, evaluate.
///
/// Stragglers: a client's simulated time is samples trained / its speed. Clients slower than
/// deadline_seconds are dropped; of the rest, the round closes as soon as the round's target count has
/// finished (over-selected extras that finish later are discarded, as in Bonawitz et al.), or at the
/// deadline with whoever finished. Because task times are known before training, the simulator skips
/// training clients whose results would be discarded: the outcome is the same, the wall time shorter.
/// </summary>
internal sealed class SyncRounds(Simulator sim)
{
    // SCAFFOLD's c_i, only for clients that have trained at least once: memory follows participation.
    readonly Dictionary<int, float[]> _clientControl = new();
    // Local DP: rounds each client took part in, which its own ε composes over.
    readonly Dictionary<int, int> _participations = new();

    public SimulationResult Run(CancellationToken cancel)
    {
        var strategy = sim.Strategy;
        var log = new MetricsLog(sim);
        GlobalModel model;
        double clock = 0;
        long updates = 0;
        int first = 1;
        string digest = SimulationCheckpoint.Digest(sim.Spec);   // the spec is fixed for the run: hash it once
        if (sim.Options.ResumeFrom is { } from)
        {
            if (from.SpecDigest != digest)
                throw new InvalidOperationException("the checkpoint belongs to a different job spec (only rounds, target_accuracy and patience may change between runs)");
            (model, clock, updates, first) = (from.Model, from.SimulatedSeconds, from.ClientUpdates, from.Round + 1);
            foreach (var (client, c) in from.ClientControl) _clientControl[client] = c;
            sim.Compression?.Restore(from.ClientResidual);
            if (from.ClientLocal is { } kept) sim.Local?.Restore(kept);
            if (from.ClientMomentum is { } momenta) sim.Momenta?.Restore(new ClientMomentumState(momenta));
            log.Restore(from);
        }
        else
        {
            model = strategy.Initialize(sim.Template.Flatten());
            log.Initial(model.Weights);
        }
        var tally = new RoundTally();

        // sim.Rounds is the budget's limit with every round as planned; a short round (dropouts under distributed noise) may end it sooner.
        for (int round = first; round <= sim.Rounds && !log.Stop.Stopped && sim.Plan.Privacy?.Exhausted(model) != true; round++)
        {
            cancel.ThrowIfCancellationRequested();
            tally.Reset();
            var plan = strategy.ConfigureRound(round, model, sim.Available);
            var (accepted, closesAt) = Admit(plan);
            tally.Dropped = plan.Clients.Count - accepted.Count;
            sim.Options.Events.RoundStarted?.Invoke(round, accepted.Count);
            clock += closesAt;

            if (accepted.Count > 0)
            {
                // privacy.secure_aggregation: the round's updates are masked together and only their sum is read, as at the coordinator.
                var aggregator = sim.Spec.Privacy.SecureAggregation is null ? strategy.BeginRound(round, model)
                    : new SecureRoundAggregator(sim.Spec, sim.Plan.Privacy, strategy, model, round, accepted.Count);
                TrainAndFold(round, model, accepted, aggregator, tally);
                // A round in which every client diverged (and declined) leaves the model as it was.
                if (tally.Clients > 0)
                {
                    var aggregate = aggregator.Finish();
                    if (aggregator is SecureRoundAggregator secure) CountControls(secure.CountedControls);
                    model = strategy.Apply(model, aggregate);
                    tally.Privacy = PrivacyOf(aggregate, model);
                    if (sim.Robust is { } robust)
                        tally.Robust = RobustRoundStats.From(robust.LastFates, id => sim.Attack?.IsByzantine(Simulator.ClientIndex(id)) == true);
                }
                updates += tally.Clients;
            }
            bool stopping = log.Record(round, model.Weights, tally, clock);
            if (stopping || round % sim.Options.CheckpointEvery == 0 || round == sim.Rounds)
                sim.Options.Events.Checkpoint?.Invoke(new SimulationCheckpoint(digest, round, model,
                    new Dictionary<int, float[]>(_clientControl), CopyOf(sim.Compression?.Residuals), clock, updates, log.WallSeconds, log.Rounds.ToArray(), log.Stop.ReachedAt,
                    sim.Local?.Snapshot(), sim.Momenta?.Snapshot().Momenta));
        }
        return new SimulationResult(log.Rounds, log.Stop.ReachedAt, model, log.WallSeconds, updates, sim.Pool.Created, sim.Pool.PeakLive, _clientControl.Count, log.StoppedEarly(model));
    }

    /// <summary>
    /// SCAFFOLD under secure aggregation: each counted client's c_i moves by the bounded Δc_i the round summed, as its
    /// device's does (SecureUpdateFormat.BoundedControl), so c stays the mean of the c_i.
    /// </summary>
    void CountControls(IReadOnlyDictionary<string, float[]> counted)
    {
        foreach (var (client, dc) in counted)
        {
            int index = Simulator.ClientIndex(client);
            var next = _clientControl.TryGetValue(index, out var ci) ? (float[])ci.Clone() : new float[dc.Length];
            TensorPrimitives.Add(next, dc, next);
            _clientControl[index] = next;
        }
    }

    /// <summary>What a private round spent: the job's ε after the releases that made <paramref name="model"/>, or in local mode the most-used client's.</summary>
    PrivacyRoundStats? PrivacyOf(RoundAggregate aggregate, GlobalModel model)
    {
        if (sim.Plan.Privacy is not { } plan || aggregate.Privacy is not { } p) return null;
        var spent = plan.IsLocal ? plan.SpentAfter(_participations.Count == 0 ? 0 : _participations.Values.Max()) : plan.SpentBy(model);
        return new PrivacyRoundStats(spent.Epsilon, plan.Spec.Delta, p.Clip, p.NoiseStd, p.UnclippedFraction);
    }

    // Residuals change in place as clients train; a checkpoint keeps this round's values.
    static Dictionary<int, float[]> CopyOf(IReadOnlyDictionary<int, float[]>? residuals) =>
        residuals?.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone()) ?? [];

    /// <summary>Who finishes in time, fastest first, and when the round closes (simulated seconds after it opened).</summary>
    (List<ClientConfig> Accepted, double ClosesAt) Admit(RoundPlan plan)
    {
        double deadline = sim.Spec.DeadlineSeconds ?? double.PositiveInfinity;
        var timed = plan.Clients
            .Select(c => (Config: c, Seconds: sim.TaskCost(Simulator.ClientIndex(c.ClientId)).Seconds))
            .Where(t => t.Seconds <= deadline)
            .OrderBy(t => t.Seconds).ThenBy(t => Simulator.ClientIndex(t.Config.ClientId))
            .Take(plan.TargetResults)
            .ToList();
        double closes = timed.Count == plan.TargetResults ? (timed.Count == 0 ? 0 : timed[^1].Seconds) : deadline;
        if (double.IsInfinity(closes)) closes = timed.Count == 0 ? 0 : timed[^1].Seconds;
        // Fold in selection order, not finishing order: the sum then does not depend on speeds' tie-breaks.
        var order = plan.Clients.Select((c, i) => (c.ClientId, i)).ToDictionary(x => x.ClientId, x => x.i);
        return (timed.Select(t => t.Config).OrderBy(c => order[c.ClientId]).ToList(), closes);
    }

    /// <summary>
    /// Trains the round's clients and folds their updates in selection order. With a model-poisoning attack the
    /// Byzantine clients do not train: the honest outcomes are held until all have arrived, the Byzantine updates are
    /// forged from them, and everything is folded in selection order (the forged ones at their clients' places), so the
    /// sums stay deterministic. Without one, each wave is folded as it finishes (at most one update per worker held).
    /// </summary>
    void TrainAndFold(int round, GlobalModel model, List<ClientConfig> clients, IRoundAggregator aggregator, RoundTally tally)
    {
        var attack = sim.Attack;
        int byzantine = attack is null ? 0 : clients.Count(c => attack.IsByzantine(Simulator.ClientIndex(c.ClientId)));
        // Backdoor: model replacement scales the attackers' updates (the round's n / f unless boost is fixed).
        double boost = attack?.Backdoor?.BoostFor(clients.Count, byzantine) ?? 1;
        if (attack?.Forger is null)
        {
            Train(round, model, clients, o => Fold(round, o, aggregator, tally, attack, boost));
            return;
        }
        bool Forged(ClientConfig c) => attack.Forges(Simulator.ClientIndex(c.ClientId));
        var trained = clients.Where(c => !Forged(c) || attack.TrainsAttackers).ToList();
        var held = new Dictionary<string, ClientOutcome>();
        Train(round, model, trained, o => held[o.Update.ClientId] = o);
        var honest = new Tessera.Federation.Robust.InMemoryUpdateSet(model.Length);
        foreach (var c in trained)
            if (!Forged(c) && held[c.ClientId] is { Diverged: false } o) honest.Add(o.Update.ClientId, o.Update.Delta, o.Update.SampleCount);
        var attackers = clients.Where(Forged).ToList();
        // What the attackers trained, when they train (sign_flip own): the attack negates it; their losses are not counted.
        List<float[]?>? own = attack.TrainsAttackers
            ? attackers.Select(c => held.Remove(c.ClientId, out var o) && !o.Diverged ? o.Update.Delta : null).ToList()
            : null;
        // With no honest update to forge from (all diverged), the attackers have nothing to send this round.
        var forged = honest.Count > 0 && attackers.Count > 0 ? attack.Forge(round, honest, attackers.Select(c => c.ClientId).ToList(), own, sim.Robust?.Pipeline.Momentum) : [];
        int next = 0;
        foreach (var c in clients)
        {
            if (!Forged(c)) { Fold(round, held[c.ClientId], aggregator, tally, attack, boost); continue; }
            if (next >= forged.Length) { tally.Dropped++; continue; }
            int index = Simulator.ClientIndex(c.ClientId);
            var update = new ClientUpdate(c.ClientId, forged[next++], sim.Data.ClientIndices[index].Length, sim.TaskCost(index).Steps, null, model.Version);
            Fold(round, new ClientOutcome(update, 0, 0, null), aggregator, tally, attack, 1);
        }
    }

    /// <summary>Trains clients in waves of one per worker; <paramref name="take"/> gets each wave's outcomes in the clients' order.</summary>
    void Train(int round, GlobalModel model, List<ClientConfig> clients, Action<ClientOutcome> take)
    {
        int workers = sim.Options.Parallelism, done = 0;
        var outcomes = new ClientOutcome[Math.Min(workers, clients.Count)];
        for (int start = 0; start < clients.Count; start += workers)
        {
            int count = Math.Min(workers, clients.Count - start);
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
            {
                var config = clients[start + i];
                int index = Simulator.ClientIndex(config.ClientId);
                float[]? ci;
                lock (_clientControl) ci = _clientControl.GetValueOrDefault(index);
                outcomes[i] = sim.Runner.Train(index, config.ClientId, round, model, config.ServerControlVariate, ci);
                sim.Options.Events.ClientDone?.Invoke(round, Interlocked.Increment(ref done), clients.Count);
            });
            for (int i = 0; i < count; i++)
            {
                take(outcomes[i]);
                outcomes[i] = null!;
            }
        }
    }

    void Fold(int round, ClientOutcome o, IRoundAggregator aggregator, RoundTally tally, SimulatedAttack? attack, double boost)
    {
        if (o.Diverged) { tally.Dropped++; return; }   // a diverged client keeps the BatchNorm tensors it had
        int index = Simulator.ClientIndex(o.Update.ClientId);
        bool byzantine = attack?.IsByzantine(index) == true;
        if (byzantine && boost != 1) TensorPrimitives.Multiply(o.Update.Delta, (float)boost, o.Update.Delta);
        if (sim.Plan.Privacy is { IsLocal: true } local)
        {
            // What the client's device does before uploading: the aggregator only ever sees the noised update.
            LocalPrivacy.PrivatizeInPlace(o.Update.Delta, local.Spec.Clip, local.NoiseMultiplier,
                new Tessera.Data.DeterministicRandom(Tessera.Federation.Planning.SeedMixer.Derive(sim.Spec.Seed, Tessera.Federation.Planning.SeedMixer.LocalPrivacyNoise, round, index)));
            _participations[index] = _participations.GetValueOrDefault(index) + 1;
        }
        aggregator.Fold(o.Update);
        // Under secure aggregation c_i moves only once the round has counted the client (CountControls).
        if (o.NewControlVariate is { } c && aggregator is not SecureRoundAggregator) _clientControl[index] = c;
        if (o.NewLocalTensors is { } own) sim.Local!.Keep(index, own);
        tally.Add(o);
        if (byzantine) tally.Byzantine++;
        sim.Options.Events.UpdateFolded?.Invoke(round, o.Update.ClientId);
    }
}
