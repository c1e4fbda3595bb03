using System.Numerics.Tensors;
using Tessera.Data;

namespace Tessera.Federation.Privacy;

/// <summary>
/// The clip and noise stages of a DP-FedAvg round around the streaming sum (DESIGN §8: clip → aggregate → noise).
/// Each update is clipped as it is folded and carries one more coordinate, its centred "within the bound" bit, so
/// the count of unclipped updates is summed by the same fold, merged across nodes with the same partials, and never
/// released exactly. The noise is added once, at <see cref="Finish"/>, by the node that closes the round.
/// </summary>
public sealed class PrivateRoundAggregator : IRoundAggregator
{
    readonly RoundAggregator _sum;
    readonly DpMechanism _mechanism;
    readonly double _clip;
    readonly Func<DeterministicRandom> _noise;
    readonly int _length;

    /// <param name="clip">This round's bound (adaptive clipping moves it between rounds).</param>
    /// <param name="noise">The generator for this round's noise, asked for only when the round closes.</param>
    public PrivateRoundAggregator(int round, int modelLength, long? expectedBaseVersion, DpMechanism mechanism, double clip, Func<DeterministicRandom> noise)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        ArgumentNullException.ThrowIfNull(noise);
        _length = modelLength;
        _mechanism = mechanism;
        _clip = clip;
        _noise = noise;
        // Unweighted: DP-FedAvg bounds each client's influence, so sample counts may not scale it back up.
        _sum = new RoundAggregator(round, modelLength + 1, _ => 1.0, _ => 1.0, expectedBaseVersion: expectedBaseVersion);
    }

    public int Round => _sum.Round;
    public int Count => _sum.Count;

    public void Fold(ClientUpdate update)
    {
        UpdateValidator.Validate(update, _length, false);
        var extended = new float[_length + 1];
        update.Delta.CopyTo(extended, 0);
        bool within = true;
        // Local noise was added on the worker to a clipped update: clipping the noised vector again would erase it.
        if (_mechanism.AtServer) within = UpdateClipping.ClipInPlace(extended.AsSpan(0, _length), _clip);
        extended[_length] = within ? 0.5f : -0.5f;
        _sum.Fold(update with { Delta = extended });
    }

    public RoundPartial TakePartial() => _sum.TakePartial();

    public void Merge(RoundPartial partial) => _sum.Merge(partial);

    public RoundAggregate Finish()
    {
        var total = _sum.Finish();
        var sum = total.Delta;
        int m = _mechanism.ExpectedClients;
        var privacy = _mechanism.AtServer ? _mechanism.Release(sum.AsSpan(0, _length), sum[_length], _clip, _noise())
            : new PrivateRound(_clip, 0, null, _clip);
        var mean = new float[_length];
        TensorPrimitives.Multiply(sum.AsSpan(0, _length), 1f / m, mean);
        return new RoundAggregate(total.Round, mean, total.ClientCount, total.TotalSamples, Privacy: privacy);
    }
}
