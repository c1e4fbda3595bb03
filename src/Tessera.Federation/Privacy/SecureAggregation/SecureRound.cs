using System.Text.Json;
using Tessera.Protocol.Wire;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>A stage request's answer: 200 with the stage's payload or an acknowledgement, 202 while the stage is still open, 4xx with why not.</summary>
public sealed record SecureStageReply(int Status, string? Json = null, string? Error = null)
{
    public static SecureStageReply Waiting { get; } = new(202, Error: "the stage is still open; ask again");
    public static SecureStageReply Refused(string why, int status = 400) => new(status, Error: why);
}

/// <summary>What <see cref="SecureRound.Advance"/> did: nothing, closed a key stage, ended the round unmasked, or ended it failed.</summary>
public enum SecureProgress { None, StageClosed, Unmasked, Failed }

/// <summary>
/// One secure round as the coordinator runs it (DESIGN §8, the mask stage): the pure SecAgg+ server
/// (<see cref="SecAggServer"/>) driven over the task protocol, with no I/O and no clock of its own. Workers POST each stage's message and GET the next stage's payload (202 until the stage closes). A
/// stage closes when every client it waits for has sent, or when its time is up (the key and unmask stages after
/// privacy.secure_aggregation.stage_seconds, the masked input at the round's deadline): whoever is missing then is a
/// dropout. The coordinator keeps it in the job grain's memory only: after a restart the round is re-run with fresh
/// keys, as any interrupted round is.
/// </summary>
public sealed class SecureRound
{
    readonly SecAggServer _server;
    readonly Dictionary<string, int> _clientOf = new(StringComparer.Ordinal);
    readonly Dictionary<int, string> _taskOf = [];
    readonly Dictionary<int, string> _payloads = [];   // client → JSON of what it fetches after the last closed stage
    readonly Dictionary<int, MaskedUpload> _inputs = [];
    readonly HashSet<int> _unmasked = [];
    readonly TimeSpan _stageTime;
    readonly DateTimeOffset _inputDeadline;
    DateTimeOffset _stageDeadline;
    SecAggStage _payloadsOf = SecAggStage.Failed;      // which stage the payloads answer; Failed: none yet

    public SecureRound(SecAggParameters parameters, SecureUpdateFormat format, IEnumerable<(string TaskId, int Client)> cohort, DateTimeOffset now, TimeSpan stageTime, DateTimeOffset inputDeadline)
    {
        _server = new SecAggServer(parameters);
        Format = format;
        foreach (var (task, client) in cohort) (_clientOf[task], _taskOf[client]) = (client, task);
        _stageTime = stageTime;
        _stageDeadline = now + stageTime;
        _inputDeadline = inputDeadline;
    }

    public SecureUpdateFormat Format { get; }
    public SecAggStage Stage => _server.Stage;
    /// <summary>Messages the open stage has accepted.</summary>
    public int Received => _server.Received;
    public string? Failure { get; private set; }
    public SecAggResult? Result { get; private set; }

    /// <summary>The survivors' tasks and what they reported in the clear with their masked input.</summary>
    public IEnumerable<(string TaskId, MaskedUpload Upload)> Survivors =>
        Result is null ? [] : Result.Survivors.Select(c => (_taskOf[c], _inputs[c]));

    /// <summary>Whether this task has nothing left to do in the round (it unmasked, or the round is over for it).</summary>
    public bool Done(string taskId) => _clientOf.TryGetValue(taskId, out var c) && (_unmasked.Contains(c) || Failure is not null);

    /// <summary>One stage request of a task: POST (a message) or GET (the payload of the last closed stage).</summary>
    public SecureStageReply Handle(string taskId, string stage, byte[]? body)
    {
        if (!_clientOf.TryGetValue(taskId, out int client)) return SecureStageReply.Refused($"task {taskId} is not in this secure round", 404);
        if (Failure is not null) return SecureStageReply.Refused($"the secure round failed and will be re-run: {Failure}", 409);
        try
        {
            return (stage, body) switch
            {
                ("keys", not null) => Accept<AdvertisedKeys>(body, client, m => _server.Accept(m), m => m.Client),
                ("neighbours", null) => Payload(client, SecAggStage.AdvertiseKeys),
                ("shares", not null) => Accept<SharedKeys>(body, client, m => _server.Accept(m), m => m.Client),
                ("shares", null) => Payload(client, SecAggStage.ShareKeys),
                ("input", not null) => AcceptInput(body, client),
                ("unmask", null) => Payload(client, SecAggStage.MaskedInput),
                ("unmask", not null) => AcceptUnmask(body, client),
                _ => SecureStageReply.Refused($"no secure-aggregation stage '{stage}' for {(body is null ? "GET" : "POST")}", 404),
            };
        }
        catch (SecAggProtocolException e) { return SecureStageReply.Refused(e.Message, 409); }
        catch (JsonException e) { return SecureStageReply.Refused($"the {stage} message is not valid JSON of its stage: {e.Message}"); }
    }

    SecureStageReply Accept<T>(byte[] body, int client, Action<T> accept, Func<T, int> sender) where T : class
    {
        var message = JsonSerializer.Deserialize<T>(body, WireJson.Options) ?? throw new JsonException("empty message");
        if (sender(message) != client) return SecureStageReply.Refused($"this task is client {client}, not {sender(message)}", 403);
        accept(message);
        return new SecureStageReply(200, "{}");
    }

    SecureStageReply AcceptInput(byte[] body, int client)
    {
        var upload = JsonSerializer.Deserialize<MaskedUpload>(body, WireJson.Options) ?? throw new JsonException("empty message");
        if (upload.Input is null) return SecureStageReply.Refused("the upload has no input");
        if (upload.Input.Client != client) return SecureStageReply.Refused($"this task is client {client}, not {upload.Input.Client}", 403);
        _server.Accept(upload.Input);
        _inputs[client] = upload with { Input = upload.Input with { Words = [] } };   // the sum holds the words
        return new SecureStageReply(200, "{}");
    }

    SecureStageReply AcceptUnmask(byte[] body, int client)
    {
        var reply = Accept<UnmaskShares>(body, client, m => _server.Accept(m), m => m.Client);
        if (reply.Status == 200) _unmasked.Add(client);
        return reply;
    }

    SecureStageReply Payload(int client, SecAggStage closed)
    {
        if (_payloadsOf != closed) return Stage == SecAggStage.Failed || (int)Stage > (int)closed + 1
            ? SecureStageReply.Refused("that stage's payloads are gone; the round has moved on", 409) : SecureStageReply.Waiting;
        return _payloads.TryGetValue(client, out var json) ? new SecureStageReply(200, json)
            : SecureStageReply.Refused($"client {client} missed stage {closed} and is left out of this round", 410);
    }

    /// <summary>Closes the open stage if it is complete or its time is up; says whether a stage closed and how the round ended.</summary>
    public SecureProgress Advance(DateTimeOffset now)
    {
        if (Failure is not null || Result is not null) return SecureProgress.None;
        var stage = _server.Stage;
        int expected = stage switch
        {
            SecAggStage.AdvertiseKeys => _clientOf.Count,
            SecAggStage.ShareKeys => _server.Graph!.Clients.Count(),
            SecAggStage.MaskedInput => _payloads.Count,
            SecAggStage.Unmask => _inputs.Count,
            _ => 0,
        };
        bool due = _server.Received >= expected || now >= (stage == SecAggStage.MaskedInput ? _inputDeadline : _stageDeadline);
        if (!due) return SecureProgress.None;
        try
        {
            switch (stage)
            {
                case SecAggStage.AdvertiseKeys: Publish(stage, _server.CloseAdvertiseKeys(), m => m.Client); break;
                case SecAggStage.ShareKeys: Publish(stage, _server.CloseShareKeys(), m => m.Client); break;
                case SecAggStage.MaskedInput: Publish(stage, _server.CloseMaskedInput(), m => m.Client); break;
                case SecAggStage.Unmask: Result = _server.CloseUnmask(); break;
            }
        }
        catch (SecAggAbortedException e) { Failure = e.Reason; }
        _stageDeadline = now + _stageTime;
        return Failure is not null ? SecureProgress.Failed : Result is not null ? SecureProgress.Unmasked : SecureProgress.StageClosed;
    }

    void Publish<T>(SecAggStage closed, IReadOnlyList<T> payloads, Func<T, int> client)
    {
        _payloads.Clear();
        foreach (var p in payloads) _payloads[client(p)] = JsonSerializer.Serialize(p, WireJson.Options);
        _payloadsOf = closed;
    }

    /// <summary>
    /// This round's aggregate from its unmasked sum (<see cref="Unmasked"/>). <paramref name="assigned"/> gives a
    /// survivor task's samples and the steps it was given: FedNova's step scale counts the steps each survivor
    /// reported, at most those.
    /// </summary>
    public RoundAggregate Aggregate(int round, long totalSamples, Planning.PrivacyPlan? privacy, Tessera.Data.DeterministicRandom noise,
        Func<string, (long Samples, int Steps)> assigned)
    {
        var result = Result ?? throw new InvalidOperationException("the secure round has not finished");
        double stepScale = Format.StepScale(Survivors.Select(s =>
        {
            var (samples, steps) = assigned(s.TaskId);
            return (samples, Math.Clamp(s.Upload.Steps, 1, Math.Max(1, steps)));
        }));
        return Unmasked(Format, result.Sum, result.Survivors.Count, round, totalSamples, privacy, noise, stepScale);
    }

    /// <summary>
    /// A round's aggregate from its unmasked sum of <paramref name="inputs"/> inputs, wherever the round ran: the
    /// weighted mean Σw·Δ/Σw; with DP the sum over the expected cohort m, noised here (central, <see cref="DpMechanism.Release"/>)
    /// or already by the clients (distributed). The count of inputs within the clipping bound is released only noised, through adaptive clipping.
    /// FedNova's mean is scaled by <paramref name="stepScale"/> (<see cref="SecureUpdateFormat.StepScale"/>).
    /// </summary>
    public static RoundAggregate Unmasked(SecureUpdateFormat format, uint[] words, int inputs, int round, long totalSamples,
        Planning.PrivacyPlan? privacy, Tessera.Data.DeterministicRandom noise, double stepScale = 1)
    {
        var (sum, weights, within, controls) = format.Decode(words, inputs);
        if (privacy is null)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(sum, (float)(stepScale / weights), sum);
            // SCAFFOLD's Δc is averaged unweighted, as Scaffold folds it in the clear.
            if (controls is not null) System.Numerics.Tensors.TensorPrimitives.Multiply(controls, 1f / inputs, controls);
            return new RoundAggregate(round, sum, inputs, totalSamples, ControlVariateDelta: controls);
        }
        if (stepScale != 1) throw new ArgumentException("DP-FedAvg's mean is not step-normalized (fednova with privacy.dp is refused)", nameof(stepScale));
        double clip = format.Task.Clip;
        int m = privacy.ExpectedClients;
        var released = privacy.Spec.Mode == Protocol.Jobs.DpSpec.Central
            ? privacy.Mechanism.Release(sum, within - inputs / 2.0, clip, noise)
            // The survivors' Skellam shares, variance v levels each: √(s·v)·Δ on the sum, over m on the mean.
            : new PrivateRound(clip, Math.Sqrt(inputs * format.Task.NoiseVariance) * format.Quantizer.Step / m, null, clip, NoiseShares: inputs < m ? inputs : null);
        System.Numerics.Tensors.TensorPrimitives.Multiply(sum, 1f / m, sum);
        return new RoundAggregate(round, sum, inputs, totalSamples, Privacy: released);
    }
}
