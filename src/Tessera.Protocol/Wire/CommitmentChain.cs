using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.Protocol.Wire;

/// <summary>One link of a worker's commitment: the step it was taken after and the sha256 of the weights then.</summary>
public sealed record WeightCheckpoint(int Step, string Leaf);

/// <summary>
/// A worker's commitment to its training trajectory, made before it can know what will be audited: the sha256
/// of its weights (F32 little-endian, parameter order) every k steps and at the end, chained so that
/// head_j = sha256(head_{j−1} ‖ u32le(step_j) ‖ leaf_j) from a genesis bound to the task, the worker (its
/// session's identity) and the base version. The upload carries the head and the leaves; the coordinator can
/// then check any intermediate weights a worker shows it, and a replay that agrees bit for bit reproduces the head.
/// The browser computes the same bytes with WebCrypto (web/src/commitment.ts).
/// </summary>
public sealed class CommitmentChain
{
    readonly List<WeightCheckpoint> _checkpoints = [];
    byte[] _head;

    public CommitmentChain(string taskId, string workerId, long baseVersion) => _head = Genesis(taskId, workerId, baseVersion);

    public IReadOnlyList<WeightCheckpoint> Checkpoints => _checkpoints;
    public string Head => Convert.ToHexStringLower(_head);

    public static byte[] Genesis(string taskId, string workerId, long baseVersion) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"tessera.commit.v1\n{taskId}\n{workerId}\n{baseVersion}"));

    /// <summary>Commits the weights held after <paramref name="step"/> steps.</summary>
    public void Add(int step, ReadOnlySpan<byte> weights) => Link(step, SHA256.HashData(weights));

    void Link(int step, byte[] leaf)
    {
        _head = Next(_head, step, leaf);
        _checkpoints.Add(new WeightCheckpoint(step, Convert.ToHexStringLower(leaf)));
    }

    static byte[] Next(byte[] head, int step, byte[] leaf)
    {
        Span<byte> buffer = stackalloc byte[32 + 4 + 32];
        head.CopyTo(buffer);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[32..], (uint)step);
        leaf.CopyTo(buffer[36..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The head a list of leaves chains to from this task's genesis (to check what an upload claims).</summary>
    public static string HeadOf(string taskId, string workerId, long baseVersion, IEnumerable<WeightCheckpoint> checkpoints)
    {
        var head = Genesis(taskId, workerId, baseVersion);
        foreach (var c in checkpoints) head = Next(head, c.Step, Convert.FromHexString(c.Leaf));
        return Convert.ToHexStringLower(head);
    }

    /// <summary>
    /// The steps after which a task of <paramref name="steps"/> steps commits: every <paramref name="every"/> and the last.
    /// Training calls end on these steps (and at most <paramref name="maxCall"/> steps apart), on every runtime alike.
    /// </summary>
    public static bool IsCommitStep(int done, int steps, int every) => done == steps || (every > 0 && done % every == 0);

    /// <summary>Every commit step of a task of <paramref name="steps"/> steps, in order.</summary>
    public static IEnumerable<int> Schedule(int steps, int every)
    {
        for (int done = 1; done <= steps; done++)
            if (IsCommitStep(done, steps, every)) yield return done;
    }

    /// <summary>Steps in the next training call from <paramref name="done"/>: up to the next commit step, at most <paramref name="maxCall"/>.</summary>
    public static int NextCall(int done, int steps, int every, int maxCall)
    {
        int left = steps - done;
        int toCommit = every > 0 ? every - done % every : left;
        return Math.Max(1, Math.Min(Math.Min(left, maxCall), toCommit));
    }
}
