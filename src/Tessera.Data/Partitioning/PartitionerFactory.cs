namespace Tessera.Data.Partitioning;

/// <summary>Maps a partition name from a job spec onto its partitioner, so the simulator and the coordinator split data alike.</summary>
public static class PartitionerFactory
{
    public static readonly string[] Names = ["iid", "pathological", "dirichlet", "quantity"];

    /// <param name="alpha">Dirichlet concentration (dirichlet, quantity).</param>
    /// <param name="shardsPerClient">Shards per client (pathological).</param>
    public static IPartitioner Create(string name, double alpha, int shardsPerClient) => name switch
    {
        "iid" => new IidPartitioner(),
        "pathological" => new PathologicalNonIidPartitioner(shardsPerClient),
        "dirichlet" => new DirichletPartitioner(alpha),
        "quantity" => QuantitySkewPartitioner.Dirichlet(alpha),
        _ => throw new ArgumentException($"unknown partition '{name}'; known: {string.Join(", ", Names)}"),
    };
}
