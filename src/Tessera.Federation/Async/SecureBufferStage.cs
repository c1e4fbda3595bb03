using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Async;

/// <summary>
/// FedBuff under secure aggregation (DESIGN §8, the mask stage per buffer): each buffer of K tasks, handed out together
/// from one version, masks in its own SecAgg+ round (<see cref="SecureRound"/>), and its unmasked, unweighted mean is
/// one server step for <see cref="FedBuffAggregator.ApplyMaskedBuffer"/>. This stage keeps the buffers in flight, routes
/// stage requests to them by task, closes their stages and says how each ended. Pure: the caller hands out the tasks,
/// supplies the clock, and records the steps.
/// </summary>
public sealed class SecureBufferStage(int bufferSize)
{
    /// <summary>A buffer in flight: its serial (the SecAgg+ instance it masks under), base version, tasks and round.</summary>
    public sealed record Buffer(int Serial, long Version, IReadOnlyList<string> Tasks, SecureRound Round, Func<string, (long Samples, int Steps)> Assigned);

    /// <summary>
    /// How a buffer ended: unmasked (<see cref="Mean"/>, over its <see cref="Survivors"/>, each with the steps it
    /// reported, capped at those assigned), or failed with <see cref="Failure"/>.
    /// </summary>
    public sealed record Ended(Buffer Buffer, RoundAggregate? Mean, IReadOnlyList<(string TaskId, MaskedUpload Upload)> Survivors, string? Failure);

    readonly Dictionary<string, Buffer> _byTask = new(StringComparer.Ordinal);
    readonly List<Buffer> _open = [];
    int _serial;

    public int BufferSize { get; } = bufferSize >= 3 ? bufferSize : throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "a SecAgg+ cohort needs at least 3");

    /// <summary>The free candidates in whole buffers of K, as many as <paramref name="room"/> more tasks allow.</summary>
    public IEnumerable<T[]> Groups<T>(IReadOnlyList<T> free, int room) =>
        free.Chunk(BufferSize).Where(g => g.Length == BufferSize).Take(Math.Max(0, room) / BufferSize);

    /// <summary>Opens a buffer of <paramref name="tasks"/> from <paramref name="version"/>; <paramref name="open"/> makes its round for the serial given.</summary>
    public Buffer Start(long version, IReadOnlyList<string> tasks, Func<int, SecureRound> open, Func<string, (long Samples, int Steps)> assigned)
    {
        if (tasks.Count != BufferSize) throw new ArgumentException($"a buffer has {BufferSize} tasks, not {tasks.Count}", nameof(tasks));
        int serial = ++_serial;
        var buffer = new Buffer(serial, version, tasks, open(serial), assigned);
        _open.Add(buffer);
        foreach (var t in tasks) _byTask[t] = buffer;
        return buffer;
    }

    /// <summary>Whether this task has nothing left to do in its buffer.</summary>
    public bool Done(string taskId) => _byTask.GetValueOrDefault(taskId)?.Round.Done(taskId) == true;

    /// <summary>One stage request of a buffer's task, then its buffer's due stage closed; says whether anything changed and whether the buffer ended.</summary>
    public (SecureStageReply Reply, bool Changed, Ended? Ended) Handle(string taskId, string stage, byte[]? body, DateTimeOffset now)
    {
        if (_byTask.GetValueOrDefault(taskId) is not { } b)
            return (SecureStageReply.Refused($"task {taskId}'s secure buffer is over", 409), false, null);
        var reply = b.Round.Handle(taskId, stage, body);
        var (changed, ended) = Advance(b, now);
        return (reply, changed, ended);
    }

    /// <summary>Closes every buffer's due stage; says whether any closed and which buffers ended.</summary>
    public (bool Changed, IReadOnlyList<Ended> Ended) Advance(DateTimeOffset now)
    {
        bool changed = false;
        var ended = new List<Ended>();
        foreach (var b in _open.ToList())
        {
            var (c, e) = Advance(b, now);
            changed |= c;
            if (e is not null) ended.Add(e);
        }
        return (changed, ended);
    }

    (bool Changed, Ended? Ended) Advance(Buffer b, DateTimeOffset now)
    {
        var progress = b.Round.Advance(now);
        if (progress is SecureProgress.None or SecureProgress.StageClosed) return (progress != SecureProgress.None, null);
        _open.Remove(b);
        foreach (var t in b.Tasks) _byTask.Remove(t);
        if (progress == SecureProgress.Failed) return (true, new Ended(b, null, [], b.Round.Failure));
        var survivors = b.Round.Survivors.Select(s => (s.TaskId, s.Upload with { Steps = Math.Clamp(s.Upload.Steps, 1, Math.Max(1, b.Assigned(s.TaskId).Steps)) })).ToList();
        // fedbuff with privacy.dp is refused at validation: the mean is plain, and no noise is drawn.
        var mean = b.Round.Aggregate(0, survivors.Sum(s => b.Assigned(s.TaskId).Samples), privacy: null, new Data.DeterministicRandom(0), b.Assigned);
        return (true, new Ended(b, mean, survivors, null));
    }
}
