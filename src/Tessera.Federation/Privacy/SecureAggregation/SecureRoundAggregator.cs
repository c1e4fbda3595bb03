using Tessera.Data;
using Tessera.Federation.Planning;
using Tessera.Federation.Strategies;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// A secure round run in process, as the simulator runs one (DESIGN §8: clip / mask → aggregate → noise): each folded
/// update is kept until <see cref="Finish"/>, which encodes it as its client's device would (clip, weight, noise share,
/// quantize: <see cref="SecureUpdateFormat"/>), runs SecAgg+ among the cohort (<see cref="SecAggSimulation"/>; members
/// that sent nothing drop out before the masked input and are unmasked around), and reads the unmasked sum as the
/// coordinator does (<see cref="SecureRound.Unmasked"/>). Randomness is seeded: a simulation has no secrets.
/// </summary>
public sealed class SecureRoundAggregator : IRoundAggregator
{
    readonly JobSpec _spec;
    readonly PrivacyPlan? _privacy;
    readonly GlobalModel _model;
    readonly double _clip;
    readonly int _cohort;
    readonly List<ClientUpdate> _updates = [];

    /// <param name="cohort">The round's invited clients: the SecAgg+ cohort, fixed before anyone trains.</param>
    public SecureRoundAggregator(JobSpec spec, PrivacyPlan? privacy, IStrategy strategy, GlobalModel model, int round, int cohort)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cohort, 1);
        (_spec, _privacy, _model, Round, _cohort) = (spec, privacy, model, round, cohort);
        _clip = SecureRoundTerms.Clip(spec, strategy, model);
    }

    public int Round { get; }
    public int Count => _updates.Count;

    /// <summary>
    /// SCAFFOLD, after <see cref="Finish"/>: each counted client's Δc_i as the round summed it (bounded,
    /// <see cref="SecureUpdateFormat.BoundedControl"/>); what the client's device adds to its c_i. Empty otherwise.
    /// </summary>
    public IReadOnlyDictionary<string, float[]> CountedControls { get; private set; } = new Dictionary<string, float[]>();

    public void Fold(ClientUpdate update)
    {
        UpdateValidator.Validate(update, _model.Length);
        if (_updates.Count == _cohort) throw new InvalidUpdateException(update.ClientId, $"the secure round's cohort has {_cohort} clients; all have sent");
        _updates.Add(update with { Delta = (float[])update.Delta.Clone(), ControlVariateDelta = (float[]?)update.ControlVariateDelta?.Clone() });   // the caller may reuse its buffers
    }

    public RoundAggregate Finish()
    {
        if (_updates.Count == 0) throw new InvalidOperationException($"secure round {Round} has no updates to sum");
        ulong seed = _spec.Seed;
        var task = SecureRoundTerms.Task(_spec, _privacy, _model.Length, _spec.Name, Round, attempt: 1, client: 1, _cohort,
            SecureRoundTerms.WeightCap(_spec, _privacy, _updates.Select(u => u.SampleCount)), _clip, stageUrl: "",
            SecureRoundTerms.ReferenceSteps(_spec, _updates.Select(u => u.LocalSteps)),
            SecureRoundTerms.ControlScale(_spec, _updates.Select(u => u.LocalSteps)));
        var format = new SecureUpdateFormat(_model.Length, task);
        if (format.HasControls)
            foreach (var u in _updates)
                if (u.ControlVariateDelta is null) throw new InvalidUpdateException(u.ClientId, "a SCAFFOLD update without its control variate delta");
        var words = _updates.Select((u, i) => format.Encode(u.Delta, u.SampleCount, u.LocalSteps,
            new Random(unchecked((int)SeedMixer.Derive(seed, SeedMixer.SecureRounding, Round, i))),
            new DeterministicRandom(SeedMixer.Derive(seed, SeedMixer.SecureNoiseShare, Round, i)), u.ControlVariateDelta)).ToArray();
        var silent = Enumerable.Range(_updates.Count + 1, _cohort - _updates.Count).ToHashSet();
        var run = SecAggSimulation.Run(task.Parameters, client => words[client - 1], new SecAggDropouts { BeforeMaskedInput = silent },
            unchecked((int)SeedMixer.Derive(seed, SeedMixer.SecureParties, Round)));
        if (run.Result is not { } result) throw new InvalidOperationException($"secure round {Round} could not be unmasked: {run.Failure}");
        if (format.HasControls)
            CountedControls = result.Survivors.ToDictionary(c => _updates[c - 1].ClientId, c => format.BoundedControl(_updates[c - 1].ControlVariateDelta!), StringComparer.Ordinal);
        return SecureRound.Unmasked(format, result.Sum, result.Survivors.Count, Round, _updates.Sum(u => u.SampleCount), _privacy,
            new DeterministicRandom(SeedMixer.Derive(seed, SeedMixer.PrivacyNoise, Round)),
            format.StepScale(result.Survivors.Select(c => (_updates[c - 1].SampleCount, _updates[c - 1].LocalSteps))));
    }

    public RoundPartial TakePartial() => throw new NotSupportedException("a secure round is unmasked whole; it has no partial sums");

    public void Merge(RoundPartial partial) => throw new NotSupportedException("a secure round is unmasked whole; it has no partial sums");
}
