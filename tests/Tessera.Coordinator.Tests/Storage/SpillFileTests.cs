using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Tests.Storage;

/// <summary>Spill files: a round's cohort written by the nodes that folded it and read back as one set through memory maps.</summary>
public sealed class SpillFileTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("tessera-spill-").FullName;

    static float[] Update(int seed, int length) => Enumerable.Range(0, length).Select(i => (float)Math.Sin(seed * 7.1 + i)).ToArray();

    [Fact]
    public void Two_nodes_spills_read_back_as_one_cohort_in_order_bit_for_bit()
    {
        var blobs = new BlobStore(_root);
        const int length = 10_007;
        var files = new List<(string, IReadOnlyList<SpillEntry>)>();
        foreach (var node in new[] { "10.0.0.1:11111@1", "10.0.0.2:11111@2" })
        {
            using var w = new SpillWriter(blobs.SpillPath("job", 3, 1, node), length);
            for (int k = 0; k < 3; k++) w.Append($"{node}/w{k}", 100 + k, Update(node.Length * 10 + k, length));
            files.Add((w.Path, w.Entries.ToList()));
        }
        Assert.NotEqual(files[0].Item1, files[1].Item1);
        using (var set = new SpilledUpdateSet(length, files))
        {
            Assert.Equal((6, length), (set.Count, set.Length));
            Assert.Equal("10.0.0.2:11111@2/w1", set.ClientId(4));
            Assert.Equal(101, set.Weight(4));
            Assert.Equal(Update(16 * 10 + 1, length), set[4].ToArray());
            Assert.Equal(Update(16 * 10 + 0, length), set[0].ToArray());
            // Two updates at once, as pairwise distances need: both spans stay valid.
            ReadOnlySpan<float> a = set[1], b = set[5];
            Assert.Equal(Update(16 * 10 + 1, length)[17], a[17]);
            Assert.Equal(Update(16 * 10 + 2, length)[17], b[17]);
        }
        blobs.DropSpills("job");   // unmapped: the folder can go
        Assert.False(Directory.Exists(Path.Combine(_root, "spill", "job")));
    }

    [Fact]
    public void A_spill_file_shorter_than_its_entries_is_refused_not_read_past_its_end()
    {
        var path = Path.Combine(_root, "short.f32");
        using (var w = new SpillWriter(path, 4)) w.Append("a", 1, [1, 2, 3, 4]);
        var e = Assert.Throws<InvalidDataException>(() => new SpilledUpdateSet(4, [(path, [new SpillEntry("a", 1), new SpillEntry("b", 1)])]));
        Assert.Contains("fewer than its 2 updates", e.Message);
        Assert.Throws<ArgumentException>(() => { using var w = new SpillWriter(path, 4); w.Append("c", 1, [1, 2]); });
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
