using Tessera.Data.Partitioning;

namespace Tessera.Data.Tests;

public class PartitionerTests
{
    /// <summary>MNIST-like labels: 10 classes of 600, in a scrambled order.</summary>
    private static long[] BalancedLabels(int perClass = 600, int classes = 10)
    {
        var labels = new long[perClass * classes];
        for (int i = 0; i < labels.Length; i++) labels[i] = (i * 7919L) % classes;
        return labels;
    }

    public static TheoryData<string> Names => ["iid", "pathological", "dirichlet", "quantity-dirichlet", "quantity-powerlaw"];

    private static IPartitioner Make(string name) => name switch
    {
        "iid" => new IidPartitioner(),
        "pathological" => new PathologicalNonIidPartitioner(2),
        "dirichlet" => new DirichletPartitioner(0.5),
        "quantity-dirichlet" => QuantitySkewPartitioner.Dirichlet(1.0),
        "quantity-powerlaw" => QuantitySkewPartitioner.PowerLaw(1.5),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void EverySampleIsAssignedExactlyOnce(string name)
    {
        var labels = BalancedLabels();
        labels = labels[..5999]; // an awkward count that does not divide evenly
        var parts = Make(name).Split(labels, 20, seed: 1);
        Assert.Equal(20, parts.Length);
        var all = parts.SelectMany(p => p).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, labels.Length), all);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void SameSeedSameSplitDifferentSeedDifferentSplit(string name)
    {
        var labels = BalancedLabels();
        var a = Make(name).Split(labels, 10, seed: 5);
        var b = Make(name).Split(labels, 10, seed: 5);
        var c = Make(name).Split(labels, 10, seed: 6);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void IidGivesEqualSizesAndMixedLabels()
    {
        var labels = BalancedLabels();
        var parts = new IidPartitioner().Split(labels, 7, seed: 2);
        Assert.All(parts, p => Assert.InRange(p.Length, 6000 / 7, 6000 / 7 + 1));
        Assert.All(parts, p => Assert.Equal(10, p.Select(i => labels[i]).Distinct().Count()));
    }

    [Fact]
    public void PathologicalGivesEachClientAtMostTwoLabels()
    {
        var labels = BalancedLabels(); // 40 shards of 150 align with the 600-sample classes
        var parts = new PathologicalNonIidPartitioner(2).Split(labels, 20, seed: 3);
        Assert.All(parts, p => Assert.Equal(300, p.Length));
        Assert.All(parts, p => Assert.InRange(p.Select(i => labels[i]).Distinct().Count(), 1, 2));
    }

    [Fact]
    public void PathologicalOnMnistSizedDataUses200ShardsOf300()
    {
        var labels = BalancedLabels(6000);
        var parts = new PathologicalNonIidPartitioner().Split(labels, 100, seed: 3);
        Assert.All(parts, p => Assert.Equal(600, p.Length));
        Assert.All(parts, p => Assert.True(p.Select(i => labels[i]).Distinct().Count() <= 2));
    }

    private static double MeanClassesPerClient(long[] labels, int[][] parts) =>
        parts.Average(p => p.Select(i => labels[i]).Distinct().Count());

    [Fact]
    public void SmallDirichletAlphaSkewsLabelsMoreThanLargeAlpha()
    {
        var labels = BalancedLabels();
        double skewed = MeanClassesPerClient(labels, new DirichletPartitioner(0.05).Split(labels, 20, seed: 8));
        double mild = MeanClassesPerClient(labels, new DirichletPartitioner(100).Split(labels, 20, seed: 8));
        Assert.True(skewed < 5, $"alpha 0.05 gave {skewed} classes per client");
        Assert.True(mild > 9.5, $"alpha 100 gave {mild} classes per client");
    }

    [Fact]
    public void DirichletMinimumSizeIsHonoured()
    {
        var labels = BalancedLabels();
        var parts = new DirichletPartitioner(0.3, minSamplesPerClient: 20).Split(labels, 10, seed: 4);
        Assert.All(parts, p => Assert.True(p.Length >= 20));
    }

    [Fact]
    public void QuantitySkewVariesSizesButKeepsLabelsMixed()
    {
        var labels = BalancedLabels();
        foreach (var partitioner in new[] { QuantitySkewPartitioner.Dirichlet(0.5), QuantitySkewPartitioner.PowerLaw(1.5) })
        {
            var parts = partitioner.Split(labels, 10, seed: 9);
            int min = parts.Min(p => p.Length), max = parts.Max(p => p.Length);
            Assert.True(min >= 1);
            Assert.True(max >= 3 * min, $"{partitioner.Description}: sizes {min}..{max} barely vary");
            // The biggest client's label mix stays roughly uniform.
            var biggest = parts.MaxBy(p => p.Length)!;
            Assert.Equal(10, biggest.Select(i => labels[i]).Distinct().Count());
        }
    }

    [Fact]
    public void DatasetOverloadUsesItsLabels()
    {
        var data = SyntheticData.GaussianBlobs(100, 2, 2, seed: 1);
        var parts = new PathologicalNonIidPartitioner(1).Split(data, 2, seed: 1);
        Assert.All(parts, p => Assert.Single(p.Select(i => data.Labels![i]).Distinct()));
    }
}
