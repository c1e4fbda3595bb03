using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Tessera.Data;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;
using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests.Trust;

/// <summary>How a hostile worker cheats (the update it claims for a task).</summary>
public enum Cheat
{
    /// <summary>+1.0 in every element, full claimed steps and samples (the 60-line stranger).</summary>
    Constant,
    /// <summary>A free rider: an all-zero update.</summary>
    Zeros,
    /// <summary>A tiny random update (1e-6), hoping to look like converged training.</summary>
    Tiny,
    /// <summary>Gaussian noise the size of an honest update.</summary>
    Random,
    /// <summary>An honest update scaled ×10 (a boosting attacker).</summary>
    Scaled,
    /// <summary>Trains K/2 steps, claims K.</summary>
    SkippedSteps,
    /// <summary>Trains on another shard of the job than the task's.</summary>
    WrongShard,
    /// <summary>Trains from the previous version's weights, claims the task's.</summary>
    StaleBase,
    /// <summary>Sends again the update it sent for its previous task.</summary>
    CopiedOwn,
    /// <summary>Sends the global model's last step (version v − version v−1) as its own work.</summary>
    CopiedGlobal,
    /// <summary>An honest update bent by 5%: inside the inconclusive band (above tolerance, below fail_above).</summary>
    Nudged,
    /// <summary>An honest update turned around and boosted ×4 (sign flipping).</summary>
    SignFlipped,
    /// <summary>
    /// A Little Is Enough without omniscience: the mean of four updates trained on quarters of its own data, less
    /// 1.5 of their standard deviation per coordinate.
    /// </summary>
    Alie,
    /// <summary>Scaled ×20, sign-flipped ×10 and ALIE in turn, task by task (a poisoner on data no replay can see).</summary>
    Byzantine,
}

/// <summary>
/// A test-only hostile worker that speaks the raw protocol over HTTP (join, long-poll, download, upload), never
/// the worker library. It trains honestly (with the runtime, as any worker may) where a cheat needs real
/// training to look plausible, builds a commitment chain consistent with whatever it claims, and cheats from its
/// <c>cheatFrom</c>-th task on. It records what the coordinator answered to each upload.
/// </summary>
/// With <c>localData</c> it declares that data set as its own (a job with data.on_workers sends it tasks on it) and
/// trains on it; no replay can check such work, which is what robust aggregation is for.
public sealed class HostileWorker(string baseUrl, string token, Cheat cheat, int cheatFrom = 1, (string Name, Dataset Data)? localData = null) : IAsyncDisposable
{
    readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl) };
    string _session = "";
    Trainer? _trainer;
    float[]? _lastDelta;

    public string WorkerId { get; private set; } = "";
    public List<(int Task, HttpStatusCode Status, string Error)> Answers { get; } = [];

    public async Task Join(string name)
    {
        var capabilities = new WorkerCapabilities { Datasets = localData is { } l ? [new LocalDataset(l.Name, l.Data.Count)] : [] };
        var res = await _http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = token, Name = name, Capabilities = capabilities }, WireJson.Options);
        res.EnsureSuccessStatusCode();
        var joined = (await res.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options))!;
        (_session, WorkerId) = (joined.SessionToken, joined.WorkerId);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _session);
    }

    /// <summary>Takes tasks until it was refused once (caught; unless <paramref name="untilRefused"/> is false) or <paramref name="until"/> passes; returns the tasks it uploaded.</summary>
    public async Task<int> Run(TimeSpan until, CancellationToken stop = default, bool untilRefused = true)
    {
        var end = DateTime.UtcNow + until;
        int tasks = 0;
        while (DateTime.UtcNow < end && !stop.IsCancellationRequested)
        {
            using var poll = await _http.GetAsync("/api/v1/tasks/next?wait=2", stop);
            if (poll.StatusCode != HttpStatusCode.OK) continue;
            var task = (await poll.Content.ReadFromJsonAsync<TaskMessage>(WireJson.Options, stop))!;
            tasks++;
            var body = await Claim(task, cheating: tasks >= cheatFrom);
            using var res = await _http.PostAsync(task.ResultUrl, new ByteArrayContent(body), stop);
            var text = await res.Content.ReadAsStringAsync(stop);
            string error = res.IsSuccessStatusCode ? "" : JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
            Answers.Add((tasks, res.StatusCode, error));
            if (!res.IsSuccessStatusCode && untilRefused) break;
        }
        return tasks;
    }

    /// <summary>Long-polls for one task and prepares the upload it would send (honest or cheating), without sending it.</summary>
    public async Task<(TaskMessage Task, byte[] Body)> Prepare(bool cheating, TimeSpan wait)
    {
        for (var end = DateTime.UtcNow + wait; DateTime.UtcNow < end;)
        {
            using var poll = await _http.GetAsync("/api/v1/tasks/next?wait=2");
            if (poll.StatusCode != HttpStatusCode.OK) continue;
            var task = (await poll.Content.ReadFromJsonAsync<TaskMessage>(WireJson.Options))!;
            // Heartbeats while it trains, as a worker's do: a long task on a loaded machine outlasts the worker timeout.
            using var stop = new CancellationTokenSource();
            var beating = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { await Heartbeat(task); await Task.Delay(2000, stop.Token); }
                    catch (Exception e) when (e is OperationCanceledException or HttpRequestException) { }
                }
            });
            try { return (task, await Claim(task, cheating)); }
            finally { stop.Cancel(); await beating; }
        }
        throw new TimeoutException("no task came");
    }

    public Task<HttpResponseMessage> Upload(TaskMessage task, byte[] body) => _http.PostAsync(task.ResultUrl, new ByteArrayContent(body));

    /// <summary>Keeps the session live while it holds a task (as a training worker's heartbeats do).</summary>
    public async Task Heartbeat(TaskMessage task)
    {
        using var res = await _http.PostAsJsonAsync("/api/v1/workers/heartbeat", new HeartbeatRequest { TaskId = task.TaskId, StepsDone = 1 }, WireJson.Options);
        res.EnsureSuccessStatusCode();
    }

    async Task<byte[]> Claim(TaskMessage task, bool cheating)
    {
        var artifact = Artifact.FromBytes(await _http.GetByteArrayAsync(task.Artifact.Url));
        var baseWeights = TaskExecutor.ReadWeights(await _http.GetByteArrayAsync(task.WeightsUrl), artifact.Manifest);
        var shard = task.Data.ShardUrl is { } url ? await Shard(url) : localData?.Data ?? throw new InvalidOperationException("a task on local data, and this worker holds none");
        var flatBase = baseWeights.Flatten();
        float[] delta;
        int claimedSteps = task.Steps;
        if (!cheating) delta = Train(artifact, baseWeights, shard, task, task.Steps);
        else delta = cheat switch
        {
            Cheat.Constant => Fill(flatBase.Length, _ => 1f),
            Cheat.Zeros => new float[flatBase.Length],
            Cheat.Tiny => Fill(flatBase.Length, i => 1e-6f * Noise(i)),
            Cheat.Random => RandomLike(Train(artifact, baseWeights, shard, task, task.Steps)),
            Cheat.Scaled => Train(artifact, baseWeights, shard, task, task.Steps).Select(v => v * 10).ToArray(),
            Cheat.SkippedSteps => Train(artifact, baseWeights, shard, task, Math.Max(1, task.Steps / 2)),
            Cheat.WrongShard => Train(artifact, baseWeights, await Shard(OtherShard(task)), task, task.Steps),
            Cheat.StaleBase => Train(artifact, await Weights(task, task.Version - 1, artifact), shard, task, task.Steps),
            Cheat.CopiedOwn => _lastDelta ?? throw new InvalidOperationException("CopiedOwn needs an honest first task"),
            Cheat.CopiedGlobal => Subtract(flatBase, (await Weights(task, task.Version - 1, artifact)).Flatten()),
            Cheat.Nudged => Train(artifact, baseWeights, shard, task, task.Steps).Select(v => v * 1.05f).ToArray(),
            Cheat.SignFlipped => Train(artifact, baseWeights, shard, task, task.Steps).Select(v => v * -4).ToArray(),
            Cheat.Alie => Alie(artifact, baseWeights, shard, task),
            Cheat.Byzantine => (_poisoned++ % 3) switch
            {
                0 => Train(artifact, baseWeights, shard, task, task.Steps).Select(v => v * 20).ToArray(),
                1 => Train(artifact, baseWeights, shard, task, task.Steps).Select(v => v * -10).ToArray(),
                _ => Alie(artifact, baseWeights, shard, task),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(cheat)),
        };
        _lastDelta = delta;
        return Envelope(task, baseWeights, flatBase, delta, claimedSteps, artifact.Manifest.BatchSize);
    }

    int _poisoned;

    float[] Alie(Artifact artifact, ParameterSet from, Dataset data, TaskMessage task)
    {
        int quarter = data.Count / 4;
        var runs = Enumerable.Range(0, 4).Select(q => Train(artifact, from, data.Select(Enumerable.Range(q * quarter, quarter).ToArray()), task, task.Steps)).ToArray();
        return Enumerable.Range(0, runs[0].Length).Select(i =>
        {
            double mean = runs.Average(r => r[i]);
            double std = Math.Sqrt(runs.Average(r => (r[i] - mean) * (r[i] - mean)));
            return (float)(mean - 1.5 * std);
        }).ToArray();
    }

    float[] Train(Artifact artifact, ParameterSet from, Dataset data, TaskMessage task, int steps)
    {
        _trainer ??= new Trainer(artifact, from, new RuntimeOptions { IntraOpThreads = 1 });
        var recipe = new TaskRecipe(task.Verifies?.TaskId ?? task.TaskId, task.Verifies?.WorkerId ?? WorkerId, task.Version, task.Epochs, steps, task.Seed, task.Hyperparameters, task.CommitEvery);
        var after = TaskTraining.Run(_trainer, from, data, recipe).After.Flatten();
        return Subtract(after, from.Flatten());
    }

    /// <summary>The upload: the claimed delta, full claimed steps and samples, and a commitment chain that is consistent with the claim.</summary>
    byte[] Envelope(TaskMessage task, ParameterSet template, float[] flatBase, float[] delta, int steps, int batch)
    {
        var chain = new CommitmentChain(task.Verifies?.TaskId ?? task.TaskId, task.Verifies?.WorkerId ?? WorkerId, task.Version);
        var final = flatBase.Select((b, i) => b + delta[i]).ToArray();
        foreach (int step in CommitmentChain.Schedule(steps, task.CommitEvery))
            chain.Add(step, MemoryMarshal.AsBytes((step == steps ? final : Fill(final.Length, i => final[i] + step)).AsSpan()));
        var tensors = new List<Protocol.NamedTensor>();
        int offset = 0;
        foreach (var p in template.Tensors)
        {
            tensors.Add(Protocol.NamedTensor.FromFloats(p.Name, p.Shape, delta[offset..(offset + (int)p.Count)]));
            offset += (int)p.Count;
        }
        var env = new UpdateEnvelope
        {
            TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = (long)steps * batch, Steps = steps,
            LossTrace = Enumerable.Repeat(0.1f, steps).ToArray(), Commitment = chain.Head, Checkpoints = chain.Checkpoints, SamplesPerSecond = 1_000_000,
        };
        return new SafetensorsFile(tensors, env.ToMetadata()).ToBytes();
    }

    async Task<Dataset> Shard(string url) => ShardCodec.Decode(await _http.GetByteArrayAsync(url));

    static string OtherShard(TaskMessage task) =>
        task.Data.ShardUrl![..(task.Data.ShardUrl!.LastIndexOf('/') + 1)] + ((task.Data.Shard!.Value + 1) % 2);

    async Task<ParameterSet> Weights(TaskMessage task, long version, Artifact artifact) =>
        TaskExecutor.ReadWeights(await _http.GetByteArrayAsync(task.WeightsUrl[..(task.WeightsUrl.LastIndexOf('/') + 1)] + Math.Max(0, version)), artifact.Manifest);

    static float[] Fill(int n, Func<int, float> f) => Enumerable.Range(0, n).Select(f).ToArray();
    static float Noise(int i) => (float)(Math.Sin(i * 12.9898) * 43758.5453 % 1.0);
    static float[] Subtract(float[] a, float[] b) => a.Select((v, i) => v - b[i]).ToArray();

    static float[] RandomLike(float[] honest)
    {
        double rms = Math.Sqrt(honest.Sum(v => (double)v * v) / honest.Length);
        var rng = new Random(7);
        return honest.Select(_ => (float)(rms * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
    }

    public ValueTask DisposeAsync()
    {
        _trainer?.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
