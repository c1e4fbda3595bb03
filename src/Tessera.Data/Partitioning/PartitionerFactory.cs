namespace Tessera.Data.Partitioning;

/// <summary>Maps a partition name from a job spec onto its partitioner, so the simulator and the coordinator split data alike.</summary>
public static class PartitionerFactory
{
    public static readonly string[] Names = ["iid", "pathological", "dirichlet", "quantity", "gamma_similarity"];

    /// <param name="alpha">Dirichlet concentration (dirichlet, quantity).</param>
    /// <param name="shardsPerClient">Shards per client (pathological).</param>
    /// <param name="gamma">Share of the data split IID (gamma_similarity).</param>
    public static IPartitioner Create(string name, double alpha, int shardsPerClient, double gamma = 0.5) => name switch
    {
        "iid" => new IidPartitioner(),
        "pathological" => new PathologicalNonIidPartitioner(shardsPerClient),
        "dirichlet" => new DirichletPartitioner(alpha),
        "quantity" => QuantitySkewPartitioner.Dirichlet(alpha),
        "gamma_similarity" => new GammaSimilarityPartitioner(gamma),
        _ => throw new ArgumentException($"unknown partition '{name}'; known: {string.Join(", ", Names)}"),
    };
}
