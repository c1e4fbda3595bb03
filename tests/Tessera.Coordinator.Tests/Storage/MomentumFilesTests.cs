using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Tests.Storage;

/// <summary>Client momenta at the coordinator: read from the newest earlier round, written for the round being closed, dropped when it is re-run.</summary>
public sealed class MomentumFilesTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("tessera-momentum-").FullName;

    [Fact]
    public void A_close_reads_the_newest_earlier_round_and_a_re_run_round_is_never_read()
    {
        var blobs = new BlobStore(_root);
        var store = new MomentumFiles(blobs) { At = ("j-1", 1) };
        Assert.Null(store.Get("w-a"));
        store.Set("w-a", [1, 2]);
        store.At = ("j-1", 2);
        Assert.Equal([1f, 2f], store.Get("w-a")!);
        store.Set("w-a", [3, 4]);
        Assert.Equal([1f, 2f], store.Get("w-a")!);      // round 2's own file is not read by round 2's close
        store.At = ("j-1", 3);
        Assert.Equal([3f, 4f], store.Get("w-a")!);
        store.Set("w-a", [5, 6]);                       // round 1's file can no longer be read: pruned
        Assert.Equal(["r2.f32", "r3.f32"], Directory.GetFiles(Path.Combine(_root, "momentum", "j-1", "w-a")).Select(Path.GetFileName).Order());
        blobs.DropMomenta("j-1", 3);                    // round 3 is re-run: its close's momenta never count
        store.At = ("j-1", 4);
        Assert.Equal([3f, 4f], store.Get("w-a")!);
        Assert.Null(new MomentumFiles(blobs) { At = ("j-2", 4) }.Get("w-a"));
        Assert.Throws<ArgumentException>(() => store.Get("../w-a"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
