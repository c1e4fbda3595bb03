using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// One FedBuff buffer under secure aggregation: K tasks handed out together from one model version, masking their
/// updates together in their own SecAgg+ round. Its unmasked mean is one server step (FedBuffAggregator.ApplyMaskedBuffer).
/// </summary>
public sealed class SecureBuffer(int serial, long version, Dictionary<string, RoundTask> tasks, SecureRound round)
{
    /// <summary>This buffer's number within the job's activation; the SecAgg+ instance it masks under.</summary>
    public int Serial { get; } = serial;
    /// <summary>The version every member trains from: they share one staleness.</summary>
    public long Version { get; } = version;
    public IReadOnlyDictionary<string, RoundTask> Tasks { get; } = tasks;
    public SecureRound Round { get; } = round;
}

/// <summary>
/// The secure buffers of an asynchronous job in flight (several may run at once, up to clients_per_round members in
/// all), found by task. They live in the job grain's memory only: after a restart their members' tasks are unknown
/// and the buffers are lost, as an unrecorded FedBuff buffer is.
/// </summary>
public sealed class SecureBuffers
{
    readonly Dictionary<string, SecureBuffer> _byTask = new(StringComparer.Ordinal);
    readonly List<SecureBuffer> _open = [];
    int _serial;

    public IReadOnlyList<SecureBuffer> Open => _open;

    public SecureBuffer? Of(string taskId) => _byTask.GetValueOrDefault(taskId);

    /// <summary>Numbers <paramref name="tasks"/> 1..K as one cohort and opens its SecAgg+ round.</summary>
    public SecureBuffer Start(JobSetup setup, string jobId, long version, IReadOnlyList<RoundTask> tasks, Federation.GlobalModel model, DateTimeOffset now)
    {
        int serial = ++_serial;
        double clip = SecureRoundTerms.Clip(setup.Spec, setup.Strategy, model);
        double cap = SecureRoundTerms.WeightCap(setup.Spec, setup.Plan.Privacy, tasks.Select(t => (long)t.Samples));   // 0: FedBuff's mean is unweighted
        for (int i = 0; i < tasks.Count; i++) tasks[i].Secure = new SecureSlot(i + 1, tasks.Count, serial, cap, clip, Instance: serial);
        var buffer = new SecureBuffer(serial, version, tasks.ToDictionary(t => t.Id, StringComparer.Ordinal),
            SecureRoundPlan.Open(setup, jobId, serial, tasks, now, tasks.Max(t => t.Deadline)));
        _open.Add(buffer);
        foreach (var t in tasks) _byTask[t.Id] = buffer;
        return buffer;
    }

    /// <summary>The buffer is over (stepped, refused or failed): its tasks are no longer routed to it.</summary>
    public void End(SecureBuffer buffer)
    {
        _open.Remove(buffer);
        foreach (var id in buffer.Tasks.Keys) _byTask.Remove(id);
    }
}
