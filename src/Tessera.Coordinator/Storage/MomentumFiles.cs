using System.Runtime.InteropServices;
using Tessera.Federation.Robust;

namespace Tessera.Coordinator.Storage;

/// <summary>
/// Client momenta mᵢ at the coordinator (strategy.aggregator.momentum), one raw F32 file per worker and round under
/// the shared blob folder, like SCAFFOLD's cᵢ: volunteers come and go, and any node may close the next round. The
/// close of round r (<see cref="At"/>) reads each worker's latest file of a round before r and writes r's. Files of
/// round r are written before round r commits, so a round that is re-run, or interrupted by a crash, has its files
/// dropped (<see cref="BlobStore.DropMomenta"/>) before anything can read them: a momentum is never applied twice.
/// </summary>
public sealed class MomentumFiles(BlobStore blobs) : IClientMomentumStore
{
    /// <summary>The job and round being closed; set by the close before the robust stage runs.</summary>
    public (string Job, int Round) At { get; set; }

    string Dir(string worker) => Path.Combine(blobs.Root, "momentum", At.Job, BlobStore.Safe(worker));

    public float[]? Get(string clientId)
    {
        var dir = Dir(clientId);
        if (!Directory.Exists(dir)) return null;
        int latest = Rounds(dir).Where(r => r < At.Round).DefaultIfEmpty(0).Max();
        if (latest == 0) return null;
        var bytes = File.ReadAllBytes(Path.Combine(dir, $"r{latest}.f32"));
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public void Set(string clientId, float[] momentum)
    {
        var dir = Dir(clientId);
        BlobStore.WriteAtomic(Path.Combine(dir, $"r{At.Round}.f32"), MemoryMarshal.AsBytes(momentum.AsSpan()).ToArray());
        // Only the newest committed file and this round's can be read again.
        var older = Rounds(dir).Where(r => r < At.Round).OrderDescending().Skip(1);
        foreach (int r in older) File.Delete(Path.Combine(dir, $"r{r}.f32"));
    }

    static IEnumerable<int> Rounds(string dir) =>
        Directory.GetFiles(dir, "r*.f32").Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f)[1..], out var r) ? r : 0).Where(r => r > 0).ToList();
}
