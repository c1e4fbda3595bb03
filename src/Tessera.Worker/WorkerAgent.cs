using System.Collections.Concurrent;
using System.Net;
using Tessera.Data;
using Tessera.Data.Loading;
using Tessera.Graphs.Training;
using Tessera.Federation.Planning;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;
using Tessera.Runtime;

namespace Tessera.Worker;

/// <summary>
/// The worker loop: join (with capabilities and a measured speed), long-poll for tasks, fetch what a task
/// needs (artifacts cached by sha256, shards cached per URL), train, upload, repeat. Network failures and
/// 5xx/429 answers are retried with exponential backoff; an unknown session (a coordinator that lost it)
/// triggers a fresh join, so the worker rides through coordinator restarts.
/// </summary>
public sealed class WorkerAgent : IDisposable
{
    readonly WorkerOptions _options;
    readonly CoordinatorClient _client;
    readonly TaskExecutor _executor;
    readonly ConcurrentDictionary<string, Artifact> _artifacts = new();
    readonly ConcurrentDictionary<string, Dataset> _shards = new();
    readonly Dictionary<MnistLayout, Dataset> _local = new();
    readonly Dictionary<string, Dataset> _localFiles = new();
    readonly Dictionary<string, Dataset> _localTests = new();
    readonly string _name;
    double _speed;
    TimeSpan _heartbeat = TimeSpan.FromSeconds(2);

    public event Action<WorkerEvent>? Event;
    public string? WorkerId { get; private set; }
    public int TasksUploaded { get; private set; }
    /// <summary>FedBN: this worker's own BatchNorm tensors per job (in memory; a restart begins from the global ones).</summary>
    public LocalTensorStore LocalTensors => _executor.LocalTensors;
    /// <summary>SCAFFOLD under secure aggregation: the c_i this worker keeps itself.</summary>
    public OwnControlVariates OwnControls { get; } = new();

    public WorkerAgent(WorkerOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _client = new CoordinatorClient(options.Server, handler);
        _executor = new TaskExecutor(options.Runtime);
        _name = options.Name ?? Environment.MachineName.ToLowerInvariant();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        _speed = _options.ReportedSpeed ?? SpeedBenchmark.Measure(_options.Runtime);
        await Retry(() => Join(ct), ct);
        int backoffs = 0;
        while (!ct.IsCancellationRequested && (_options.MaxTasks is not { } max || TasksUploaded < max))
        {
            try
            {
                var task = await _client.NextTaskAsync(_options.LongPoll, ct);
                if (task is not null) await Execute(task, ct);
                backoffs = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (CoordinatorRefusedException e) when (e.Status == HttpStatusCode.Unauthorized)
            {
                // The coordinator does not know our session (e.g. its data folder was reset): join again.
                Report(new ConnectionProblem(_name, e.Message, TimeSpan.Zero));
                await Retry(() => Join(ct), ct);
            }
            catch (Exception e) when (IsNetworkFailure(e) || e is TaskCanceledException or CoordinatorRefusedException)
            {
                await Backoff(++backoffs, e.Message, ct);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidDataException)
            {
                // A malformed answer (a proxy's error page, a coordinator of another version): report it and go on.
                await Backoff(++backoffs, $"unreadable answer from the coordinator: {e.Message}", ct);
            }
        }
    }

    async Task<bool> Join(CancellationToken ct)
    {
        var caps = new WorkerCapabilities
        {
            Runtime = "dotnet", Cores = Environment.ProcessorCount, MemoryMb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20,
            Providers = Runtime.SessionFactory.AvailableProviders().ToList(), SamplesPerSecond = _speed,
            Datasets = [.. _options.LocalData is { } name ? [new LocalDataset(name, LocalSamples())] : Array.Empty<LocalDataset>(),
                .. _options.LocalFiles.Select(f => new LocalDataset(f.Key, LocalDataCount.Estimate(f.Value.Train)))],
        };
        var joined = await _client.JoinAsync(new JoinRequest { Token = _options.Token, Name = _options.Name, Capabilities = caps }, ct);
        _client.SessionToken = joined.SessionToken;
        WorkerId = joined.WorkerId;
        // The coordinator says how often it wants to hear from us while we train.
        if (joined.HeartbeatSeconds > 0) _heartbeat = TimeSpan.FromSeconds(Math.Clamp(joined.HeartbeatSeconds, 0.5, 30));
        Report(new Joined(_name, joined.WorkerId, _speed));
        return true;
    }

    /// <summary>
    /// SCAFFOLD's c and c_i: both downloaded in the clear; under secure aggregation c_i is this worker's own
    /// (<see cref="OwnControls"/>), returned flat too so the round's bounded Δc_i can be added to it.
    /// </summary>
    async Task<(ControlVariateFiles? Files, float[]? Own)> ControlsFor(TaskMessage task, Graphs.Training.ArtifactManifest m, CancellationToken ct)
    {
        if (task.ServerControlUrl is not { } cu) return (null, null);
        if (task.ClientControlUrl is { } ciu) return (new ControlVariateFiles(await _client.GetBytesAsync(cu, ct), await _client.GetBytesAsync(ciu, ct)), null);
        if (task.SecureAggregation?.CountedUrl is null) return (null, null);
        int length = m.Parameters.Sum(p => (int)Graphs.Shapes.Numel(p.Shape));
        var own = await OwnControls.For(task.JobId, task.Round, length, url => _client.GetJsonAsync<ControlCounted>(url, ct));
        return (new ControlVariateFiles(await _client.GetBytesAsync(cu, ct), TaskExecutor.WeightsFile(m, own)), own);
    }

    async Task Execute(TaskMessage task, CancellationToken ct)
    {
        Report(new TaskStarted(_name, task.TaskId, task.JobId, task.Round, task.Steps));
        SecureSession? secure = null;
        if (task.SecureAggregation is { } sa)
        {
            // The key stages come first: they close after seconds, training after minutes.
            try { secure = await SecureSession.Begin(_client, sa, ct); }
            catch (Exception e) when (e is CoordinatorRefusedException or Federation.Privacy.SecureAggregation.SecAggException)
            {
                Report(new TaskDropped(_name, task.TaskId, $"secure round: {e.Message}"));
                return;
            }
        }
        var artifact = _artifacts.TryGetValue(task.Artifact.Sha256, out var a) ? a : await FetchArtifact(task.Artifact, ct);
        var weights = await _client.GetBytesAsync(task.WeightsUrl, ct);
        Dataset data;
        try { data = await DataFor(task, artifact.Manifest, ct); }
        catch (TaskNotRunnableException e)
        {
            await Decline(task, e.Message, ct);
            return;
        }
        var evaluation = await EvaluateBase(task, artifact.Manifest, ct);
        var (controls, ownControl) = await ControlsFor(task, artifact.Manifest, ct);

        // Heartbeats keep the session live while training and tell us when the round no longer wants the task.
        using var training = CancellationTokenSource.CreateLinkedTokenSource(ct);
        int stepsDone = 0;
        var heartbeat = Task.Run(async () =>
        {
            while (!training.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_heartbeat, training.Token);
                    var hb = await _client.HeartbeatAsync(task.TaskId, Volatile.Read(ref stepsDone), training.Token);
                    if (!hb.Continue) { training.Cancel(); return; }
                }
                catch (OperationCanceledException) { return; }
                catch (Exception e) when (IsNetworkFailure(e) || e is CoordinatorRefusedException) { /* next beat retries */ }
            }
        }, CancellationToken.None);

        TaskOutcome? outcome = null;
        Exception? failure = null;
        try
        {
            outcome = await Task.Run(() => _executor.Run(task, WorkerId!, artifact, weights, data, (done, total) =>
            {
                Volatile.Write(ref stepsDone, done);
                Report(new TaskProgress(_name, task.TaskId, done, total));
                training.Token.ThrowIfCancellationRequested();
            }, controls, evaluation), CancellationToken.None);
            if (secure is not null)
            {
                // Masking and unmasking wait on the rest of the cohort: heartbeats keep going meanwhile.
                try
                {
                    var counted = await secure.Finish(outcome.Flat!, outcome.Samples, outcome.Steps, outcome.MeanLoss, outcome.SamplesPerSecond, training.Token, outcome.ControlDelta);
                    if (counted is not null && ownControl is not null && task.SecureAggregation!.CountedUrl is { } url)
                    {
                        System.Numerics.Tensors.TensorPrimitives.Add(ownControl, counted, ownControl);
                        OwnControls.Propose(task.JobId, task.Round, url, ownControl);
                    }
                }
                // A refusal, or a payload this client must not act on (a share that does not decrypt, a survivor set below t): it drops out.
                catch (Exception e) when (e is CoordinatorRefusedException or Federation.Privacy.SecureAggregation.SecAggException)
                {
                    Report(new TaskDropped(_name, task.TaskId, $"secure round: {e.Message}"));
                    return;
                }
                TasksUploaded++;
                _speed = outcome.SamplesPerSecond;
                Report(new TaskUploaded(_name, task.TaskId, task.Round, outcome.MeanLoss, outcome.SamplesPerSecond, 4L * outcome.Flat!.Length));
                return;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Report(new TaskDropped(_name, task.TaskId, "the round closed without this task"));
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException) { failure = e; }
        finally
        {
            training.Cancel();
            await heartbeat;
        }
        if (outcome is null)
        {
            // Training or encoding failed (an upload codec this worker does not know, values that diverged to NaN,
            // weights that do not fit the artifact): retrying would fail the same way, so hand the task back at once.
            await Decline(task, failure is TrainingDivergedException ? failure.Message : $"training failed: {failure!.Message}", ct);
            return;
        }

        try
        {
            bool gzip = task.Upload?.Compression == UploadEncoding.Gzip;
            var wire = gzip ? UploadGzip.Compress(outcome.Body) : outcome.Body;
            await Retry(() => _client.UploadAsync(task.ResultUrl, wire, ct, gzipped: gzip), ct);
            TasksUploaded++;
            _speed = outcome.SamplesPerSecond;
            Report(new TaskUploaded(_name, task.TaskId, task.Round, outcome.MeanLoss, outcome.SamplesPerSecond, wire.Length));
        }
        catch (CoordinatorRefusedException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity)
        {
            // Late (round closed) or void (coordinator restarted mid-round): drop it and ask for new work.
            Report(new TaskDropped(_name, task.TaskId, e.Message));
        }
        catch (CoordinatorRefusedException e) when (e.Status is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge)
        {
            // The coordinator found the update itself invalid (e.g. non-finite values): sending it again cannot help.
            await Decline(task, $"the coordinator refused the update: {e.Message}", ct);
        }
    }

    /// <summary>Tells the coordinator this worker cannot do the task; a refusal (the round closed meanwhile) is only reported.</summary>
    async Task Decline(TaskMessage task, string reason, CancellationToken ct)
    {
        try { await Retry(async () => { await _client.DeclineAsync(task.TaskId, reason, ct); return true; }, ct); }
        catch (CoordinatorRefusedException e) { reason += $" (the coordinator answered: {e.Message})"; }
        Report(new TaskDeclined(_name, task.TaskId, reason));
    }

    async Task<Artifact> FetchArtifact(ArtifactRef r, CancellationToken ct)
    {
        string? path = _options.CacheDirectory is { } dir ? Path.Combine(dir, $"{r.Sha256}.onnx") : null;
        byte[] bytes = path is not null && File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : await Retry(() => _client.GetBytesAsync(r.Url, ct), ct);
        var artifact = Artifact.FromBytes(bytes);
        if (artifact.Sha256 != r.Sha256) throw new IOException($"artifact download hashed to {artifact.Sha256}, expected {r.Sha256}");
        if (path is not null && !File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes, ct);
        }
        return _artifacts[r.Sha256] = artifact;
    }

    async Task<Dataset> DataFor(TaskMessage task, ArtifactManifest m, CancellationToken ct)
    {
        if (task.Data.Local is { } named && _options.LocalFiles.TryGetValue(named, out var files))
        {
            if (_localFiles.TryGetValue(named, out var loaded)) return loaded;
            try { return _localFiles[named] = JobDatasets.Read(task.Data.Format ?? new DataFormatSpec(), files.Train, m.SampleShape, m.Loss); }
            catch (JobSpecException e) { throw new TaskNotRunnableException($"local data set '{named}': {e.Message}"); }
        }
        if (task.Data.Local is { } local)
        {
            if (local != _options.LocalData) throw new TaskNotRunnableException($"task wants local data set '{local}' which this worker does not have");
            var layout = m.SampleShape.Length == 1 ? MnistLayout.Flat : MnistLayout.Image;
            if (!_local.TryGetValue(layout, out var ds))
            {
                var all = MnistLoader.LoadTrain(layout, _options.MnistDirectory);
                int n = _options.LocalDataSamples > 0 ? Math.Min(_options.LocalDataSamples, all.Count - _options.LocalDataOffset) : all.Count - _options.LocalDataOffset;
                _local[layout] = ds = all.Select(Enumerable.Range(_options.LocalDataOffset, n).ToArray());
            }
            return ds;
        }
        var url = task.Data.ShardUrl ?? throw new TaskNotRunnableException("task names neither a shard nor a local data set");
        if (_shards.TryGetValue(url, out var cached)) return cached;
        var bytes = await Retry(() => _client.GetBytesAsync(url, ct), ct);
        try { return _shards[url] = ShardCodec.Decode(bytes); }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException)
        { throw new TaskNotRunnableException($"the shard at {url} is not a valid shard file: {e.Message}"); }
    }

    /// <summary>
    /// Federated evaluation: the base model on this worker's held-out split of the task's local data set, before
    /// training. A worker without a held-out split (or whose evaluation fails) reports none and is skipped.
    /// </summary>
    async Task<EvaluationReport?> EvaluateBase(TaskMessage task, ArtifactManifest m, CancellationToken ct)
    {
        if (task.EvaluateModelUrl is not { } url || task.Data.Local is not { } name || !_options.LocalFiles.TryGetValue(name, out var files) || files.Test is not { } testPath)
            return null;
        try
        {
            if (!_localTests.TryGetValue(name, out var test))
                _localTests[name] = test = JobDatasets.Read(task.Data.Format ?? new DataFormatSpec(), testPath, m.SampleShape, m.Loss);
            var onnx = await Retry(() => _client.GetBytesAsync(url, ct), ct);
            // FedBN: the model this worker trains is the global one with its own BatchNorm tensors, so that is what it evaluates.
            return OutputEvaluation.Evaluate(_executor.LocalTensors.Personalize(task.JobId, onnx), test, m.Loss, _options.Runtime);
        }
        catch (Exception e) when (e is JobSpecException or ArgumentException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or CoordinatorRefusedException
                                   or Graphs.OnnxFormatException)
        {
            Report(new EvaluationSkipped(_name, task.TaskId, e.Message));
            return null;
        }
    }

    int LocalSamples()
    {
        if (_options.LocalDataSamples > 0) return _options.LocalDataSamples;
        return 60_000 - _options.LocalDataOffset; // MNIST's training set; loaded lazily when a task needs it
    }

    async Task<T> Retry<T>(Func<Task<T>> call, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try { return await call(); }
            catch (Exception e) when (IsNetworkFailure(e) || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                await Backoff(attempt, e.Message, ct);
            }
        }
    }

    // A SocketException can escape HttpClient unwrapped: a connection the coordinator resets while it is being opened
    // (a coordinator being killed or restarting) fails reading its remote address, not inside the request.
    static bool IsNetworkFailure(Exception e) => e is HttpRequestException or IOException or System.Net.Sockets.SocketException;

    async Task Backoff(int attempt, string why, CancellationToken ct)
    {
        double seconds = Math.Min(_options.MaxBackoff.TotalSeconds, 0.25 * Math.Pow(2, Math.Min(attempt, 10)));
        var delay = TimeSpan.FromSeconds(seconds * (0.5 + Random.Shared.NextDouble() / 2)); // jitter spreads a reconnecting crowd
        Report(new ConnectionProblem(_name, why, delay));
        await Task.Delay(delay, ct);
    }

    void Report(WorkerEvent e) => Event?.Invoke(e);

    public void Dispose()
    {
        _executor.Dispose();
        _client.Dispose();
    }
}

/// <summary>A task this worker cannot do at all (as opposed to a network failure worth retrying).</summary>
public sealed class TaskNotRunnableException(string message) : Exception(message);
