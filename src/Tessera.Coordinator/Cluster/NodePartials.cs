using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Services;
using Orleans.Services;
using Tessera.Coordinator.Jobs;
using Tessera.Federation;

namespace Tessera.Coordinator.Cluster;

/// <summary>
/// One per silo: hands this node's partial sum of a round (job, round, attempt) to the job grain closing it. The
/// grain addresses it by the silo the <c>Folded</c> notices named, so it asks exactly the nodes that folded.
/// </summary>
public interface INodePartials : IGrainService
{
    Task<PartialPayload?> Take(string jobId, int round, int attempt);
}

/// <summary>The grain-side handle: the <see cref="INodePartials"/> of a given silo.</summary>
public interface INodePartialsClient : IGrainServiceClient<INodePartials>
{
    Task<PartialPayload?> Take(SiloAddress node, string jobId, int round, int attempt);
}

[Reentrant]
public sealed class NodePartials(GrainId id, Silo silo, ILoggerFactory loggers, NodeAggregators nodes)
    : GrainService(id, silo, loggers), INodePartials
{
    public Task<PartialPayload?> Take(string jobId, int round, int attempt) =>
        Task.FromResult(nodes.TakePartial(jobId, round, attempt) is { } p ? PartialPayload.From(p) : null);
}

public sealed class NodePartialsClient(IServiceProvider services) : GrainServiceClient<INodePartials>(services), INodePartialsClient
{
    public Task<PartialPayload?> Take(SiloAddress node, string jobId, int round, int attempt) => GetGrainService(node).Take(jobId, round, attempt);
}

/// <summary>A <see cref="RoundPartial"/> on the wire between silos: the only message that carries a model-sized array, once per node per round.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record PartialPayload(int Round, float[] WeightedDeltaSum, float[]? ControlVariateSum, int ClientCount, long TotalSamples,
    double TotalWeight, double SampleWeightedSteps, string[] ClientIds)
{
    public static PartialPayload From(RoundPartial p) => new(p.Round, p.WeightedDeltaSum, p.ControlVariateSum, p.Totals.ClientCount, p.Totals.TotalSamples,
        p.Totals.TotalWeight, p.Totals.SampleWeightedSteps, p.ClientIds.ToArray());

    public RoundPartial ToPartial() => new(Round, WeightedDeltaSum, ControlVariateSum,
        new RoundTotals(ClientCount, TotalSamples, TotalWeight, SampleWeightedSteps), ClientIds);
}
