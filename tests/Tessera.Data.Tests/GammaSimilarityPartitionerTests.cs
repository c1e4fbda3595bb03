using Tessera.Data.Partitioning;

namespace Tessera.Data.Tests;

public class GammaSimilarityPartitionerTests
{
    /// <summary>10 classes of 600 in a scrambled order.</summary>
    static long[] Labels(int count = 6000) => Enumerable.Range(0, count).Select(i => (i * 7919L) % 10).ToArray();

    static double DominantShare(int[] part, long[] labels) =>
        part.GroupBy(i => labels[i]).Max(g => g.Count()) / (double)part.Length;

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void Every_sample_is_assigned_exactly_once(double gamma)
    {
        var labels = Labels(5999);
        var parts = new GammaSimilarityPartitioner(gamma).Split(labels, 20, seed: 3);
        Assert.Equal(20, parts.Length);
        Assert.Equal(Enumerable.Range(0, labels.Length), parts.SelectMany(p => p).Order());
        Assert.All(parts, p => Assert.InRange(p.Length, 5999 / 20 - 1, 5999 / 20 + 2));
    }

    [Fact]
    public void Gamma_zero_is_label_sorted_one_class_per_client_when_classes_divide_evenly()
    {
        var labels = Labels();
        var parts = new GammaSimilarityPartitioner(0).Split(labels, 10, seed: 1);
        Assert.All(parts, p => Assert.Single(p.Select(i => labels[i]).Distinct()));
        // Contiguous chunks of the sorted order: client c holds class c.
        Assert.Equal(Enumerable.Range(0, 10).Select(c => (long)c), parts.Select(p => labels[p[0]]));
    }

    [Fact]
    public void Gamma_one_is_iid_every_client_sees_every_class_about_equally()
    {
        var labels = Labels();
        var parts = new GammaSimilarityPartitioner(1).Split(labels, 10, seed: 1);
        Assert.All(parts, p => Assert.Equal(10, p.Select(i => labels[i]).Distinct().Count()));
        Assert.All(parts, p => Assert.InRange(DominantShare(p, labels), 0.1, 0.2));
    }

    [Fact]
    public void Half_similarity_gives_each_client_every_class_and_a_dominant_half()
    {
        var labels = Labels();
        var parts = new GammaSimilarityPartitioner(0.5).Split(labels, 10, seed: 2);
        // 300 IID samples (about 30 of each class) plus 300 of one class from the sorted half.
        Assert.All(parts, p => Assert.Equal(10, p.Select(i => labels[i]).Distinct().Count()));
        Assert.All(parts, p => Assert.InRange(DominantShare(p, labels), 0.5, 0.65));
    }

    [Fact]
    public void Same_seed_same_split_other_seed_other_split()
    {
        var labels = Labels();
        var p = new GammaSimilarityPartitioner(0.4);
        Assert.Equal(p.Split(labels, 8, 5), p.Split(labels, 8, 5));
        Assert.NotEqual(p.Split(labels, 8, 5), p.Split(labels, 8, 6));
    }

    [Fact]
    public void Factory_builds_it_by_name_and_gamma_outside_the_unit_interval_is_refused()
    {
        var made = Assert.IsType<GammaSimilarityPartitioner>(PartitionerFactory.Create("gamma_similarity", 0.5, 2, gamma: 0.25));
        Assert.Equal(0.25, made.Gamma);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GammaSimilarityPartitioner(1.5));
    }
}
