using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Worker;

/// <summary>
/// This worker's side of a secure round (privacy.secure_aggregation): it advertises keys and shares them before
/// training, then masks its update and helps unmask the round's sum. Only masked words and sealed shares leave it.
/// </summary>
public sealed class SecureSession
{
    readonly CoordinatorClient _client;
    readonly SecureAggregationTask _task;
    readonly SecAggClient _party;
    AddressedShares? _shares;

    SecureSession(CoordinatorClient client, SecureAggregationTask task)
    {
        _client = client;
        _task = task;
        _party = new SecAggClient(task.Parameters, task.Client);
    }

    /// <summary>Stages 1 and 2: advertise keys, then share them with the neighbours the coordinator names.</summary>
    public static async Task<SecureSession> Begin(CoordinatorClient client, SecureAggregationTask task, CancellationToken ct)
    {
        var s = new SecureSession(client, task);
        await client.PostStageAsync($"{task.StageUrl}/keys", s._party.AdvertiseKeys(), ct);
        var neighbours = await client.PollStageAsync<NeighbourKeys>($"{task.StageUrl}/neighbours", ct);
        await client.PostStageAsync($"{task.StageUrl}/shares", s._party.ShareKeys(neighbours), ct);
        s._shares = await client.PollStageAsync<AddressedShares>($"{task.StageUrl}/shares", ct);
        return s;
    }

    /// <summary>
    /// Stages 3 and 4: the clipped, weighted (and, with distributed DP, noised) update masked, with SCAFFOLD's Δc_i
    /// beside it; then this worker's shares for the unmasking. Returns the bounded Δc_i the round sums (null without one).
    /// </summary>
    public async Task<float[]?> Finish(float[] update, long samples, int steps, double meanLoss, double samplesPerSecond, CancellationToken ct, float[]? controlDelta = null)
    {
        var format = new SecureUpdateFormat(update.Length, _task);
        if (format.HasControls && controlDelta is null) throw new SecAggProtocolException("the round masks SCAFFOLD's control delta, but this task trained without control variates");
        var words = format.Encode(update, samples, steps, new Random(), Federation.Privacy.GaussianNoise.Unpredictable(), format.HasControls ? controlDelta : null);
        var input = _party.MaskInput(_shares!, words);
        await _client.PostStageAsync($"{_task.StageUrl}/input", new MaskedUpload { Input = input, Steps = steps, MeanLoss = meanLoss, SamplesPerSecond = samplesPerSecond }, ct);
        var request = await _client.PollStageAsync<UnmaskRequest>($"{_task.StageUrl}/unmask", ct);
        await _client.PostStageAsync($"{_task.StageUrl}/unmask", _party.Unmask(request), ct);
        return format.HasControls ? format.BoundedControl(controlDelta!) : null;
    }
}
