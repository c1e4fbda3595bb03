using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tessera.Coordinator.Telemetry;
using Tessera.Coordinator.Workers;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>Live workers of one runtime: their summed speed as routing uses it (measured where measured), and how many claim over 2× their measurement.</summary>
public sealed record WorkerKind(string Runtime, int Live, int Polling, double SamplesPerSecond, double ClaimedSamplesPerSecond, int InflatedClaims);
public sealed record Overview(IReadOnlyList<WorkerKind> Workers, long BytesIn, long BytesOut, long UpdatesAccepted, long UpdatesRejected);

/// <summary>
/// Read-only figures for the dashboard that need no admin key: live workers per runtime with their summed speed,
/// and traffic totals. Nothing identifying a worker is shown here (the admin-only /workers lists them).
/// </summary>
public static class DashboardEndpoints
{
    public static void Map(WebApplication app)
    {
        var tally = new TrafficTally(app.Services.GetService(typeof(CoordinatorMetrics)) as CoordinatorMetrics
            ?? throw new InvalidOperationException("CoordinatorMetrics is not registered"));
        app.Lifetime.ApplicationStopped.Register(tally.Dispose);
        app.MapGet("/api/v1/overview", async (WorkerRegistry workers, CoordinatorOptions o) =>
        {
            // Capabilities and speed live in the worker grains; liveness and polling in this node's sessions.
            var live = workers.Live(o.WorkerTimeout);
            var polling = live.Where(w => w.IsPolling).Select(w => w.Id).ToHashSet();
            var profiles = await workers.Profiles(live);
            var kinds = profiles.GroupBy(p => p.Runtime).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new WorkerKind(g.Key, g.Count(), g.Count(p => polling.Contains(p.Id)), g.Sum(p => p.Speed), g.Sum(p => p.ClaimedSpeed),
                    g.Count(p => p.SpeedClaimInflated))).ToList();
            return Results.Json(new Overview(kinds, tally.BytesIn, tally.BytesOut, tally.Accepted, tally.Rejected), WireJson.Options);
        }).Produces<Overview>().WithSummary("Live workers by runtime with speed, bytes in/out, updates accepted/rejected (for the dashboard)");
    }

    /// <summary>Sums this coordinator's own counters (the instruments are per instance, so tests with several hosts stay apart).</summary>
    sealed class TrafficTally : IDisposable
    {
        readonly MeterListener _listener = new();
        long _in, _out, _accepted, _rejected;

        public long BytesIn => Interlocked.Read(ref _in);
        public long BytesOut => Interlocked.Read(ref _out);
        public long Accepted => Interlocked.Read(ref _accepted);
        public long Rejected => Interlocked.Read(ref _rejected);

        public TrafficTally(CoordinatorMetrics m)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument, m.BytesIn) || ReferenceEquals(instrument, m.BytesOut) ||
                    ReferenceEquals(instrument, m.UpdatesAccepted) || ReferenceEquals(instrument, m.UpdatesRejected))
                    l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (ReferenceEquals(instrument, m.BytesIn)) Interlocked.Add(ref _in, value);
                else if (ReferenceEquals(instrument, m.BytesOut)) Interlocked.Add(ref _out, value);
                else if (ReferenceEquals(instrument, m.UpdatesAccepted)) Interlocked.Add(ref _accepted, value);
                else Interlocked.Add(ref _rejected, value);
            });
            _listener.Start();
        }

        public void Dispose() => _listener.Dispose();
    }
}
