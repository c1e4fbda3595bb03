using Tessera.Data.Partitioning;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>The one mapping from spec partition names to partitioners, shared by the simulator and the coordinator.</summary>
public class PartitionerFactoryTests
{
    [Fact]
    public void Every_partition_a_spec_accepts_has_a_partitioner()
    {
        Assert.Equal(JobSpecParser.Partitions.Order(), PartitionerFactory.Names.Order());
        foreach (var name in JobSpecParser.Partitions)
            Assert.NotNull(PartitionerFactory.Create(name, 0.5, 2));
        Assert.IsType<PathologicalNonIidPartitioner>(PartitionerFactory.Create("pathological", 0.5, 2));
    }

    [Fact]
    public void Unknown_partition_is_named_with_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => PartitionerFactory.Create("zipf", 0.5, 2));
        Assert.Contains("zipf", e.Message);
        Assert.Contains("dirichlet", e.Message);
    }
}
