using System.Diagnostics.Metrics;

namespace Tessera.Coordinator.Telemetry;

/// <summary>The coordinator's instruments (exported at /metrics in Prometheus format through OpenTelemetry).</summary>
public sealed class CoordinatorMetrics : IDisposable
{
    public const string MeterName = "Tessera.Coordinator";
    readonly Meter _meter = new(MeterName);

    public Counter<long> RoundsCompleted { get; }
    public Counter<long> RoundsRerun { get; }
    public Counter<long> SecureRoundsFailed { get; }
    public Counter<long> UpdatesFolded { get; }
    public Counter<long> TasksAssigned { get; }
    public Counter<long> TasksExpired { get; }
    public Counter<long> TasksDeclined { get; }
    public Counter<long> UpdatesAccepted { get; }
    public Counter<long> UpdatesRejected { get; }
    public Counter<long> BytesIn { get; }
    public Counter<long> BytesOut { get; }
    public Histogram<double> AggregationMs { get; }
    public Histogram<double> FoldMs { get; }

    public CoordinatorMetrics()
    {
        RoundsCompleted = _meter.CreateCounter<long>("tessera.rounds.completed", description: "rounds aggregated and checkpointed");
        UpdatesFolded = _meter.CreateCounter<long>("tessera.updates.folded", description: "updates folded into this node's aggregators (per node; the cluster's sum is what the rounds accepted)");
        SecureRoundsFailed = _meter.CreateCounter<long>("tessera.rounds.secure_failed", description: "secure rounds that could not be unmasked (too few live neighbours, inconsistent shares) and were re-run");
        RoundsRerun = _meter.CreateCounter<long>("tessera.rounds.rerun", description: "round attempts abandoned because a node holding their updates left the cluster");
        TasksAssigned = _meter.CreateCounter<long>("tessera.tasks.assigned");
        TasksExpired = _meter.CreateCounter<long>("tessera.tasks.expired", description: "tasks dropped at deadline or for missed heartbeats");
        TasksDeclined = _meter.CreateCounter<long>("tessera.tasks.declined", description: "tasks given back by workers that could not do them");
        UpdatesAccepted = _meter.CreateCounter<long>("tessera.updates.accepted");
        UpdatesRejected = _meter.CreateCounter<long>("tessera.updates.rejected");
        BytesIn = _meter.CreateCounter<long>("tessera.bytes.in", unit: "By", description: "update bytes received");
        BytesOut = _meter.CreateCounter<long>("tessera.bytes.out", unit: "By", description: "artifact, weight and shard bytes served");
        AggregationMs = _meter.CreateHistogram<double>("tessera.round.aggregation", unit: "ms", description: "merge partials + server step at round close");
        FoldMs = _meter.CreateHistogram<double>("tessera.update.fold", unit: "ms", description: "folding one update into the running sum");
    }

    /// <summary>Gauges read on export: live and long-polling workers.</summary>
    public void ObserveWorkers(Func<int> live, Func<int> polling)
    {
        _meter.CreateObservableGauge("tessera.workers.active", live, description: "workers heard from recently");
        _meter.CreateObservableGauge("tessera.workers.polling", polling, description: "open long-poll connections");
    }

    public void Dispose() => _meter.Dispose();
}
