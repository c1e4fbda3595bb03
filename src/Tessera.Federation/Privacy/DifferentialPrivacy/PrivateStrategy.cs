using Tessera.Data;
using Tessera.Federation.Strategies;

namespace Tessera.Federation.Privacy;

/// <summary>
/// DP-FedAvg around any server step that takes a mean (FedAvg, FedAvgM, FedAdam/Yogi/Adagrad, FedProx): the round's
/// aggregate is the clipped, unweighted, noised mean of <see cref="PrivateRoundAggregator"/>, which the inner
/// strategy then applies as its own. The clipping bound is server state (checkpointed with the model), so adaptive
/// clipping resumes where it was after a restart.
/// </summary>
public sealed class PrivateStrategy(IStrategy inner, DpMechanism mechanism, Func<int, DeterministicRandom> noise) : IStrategy
{
    public const string ClipKey = "dp.clip";
    /// <summary>Server state: the noise shares s &lt; m of each round whose distributed noise fell short, in round order.</summary>
    public const string ShortRoundsKey = "dp.short_rounds";

    public IStrategy Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));
    public DpMechanism Mechanism { get; } = mechanism ?? throw new ArgumentNullException(nameof(mechanism));

    public string Name => Inner.Name;

    public GlobalModel Initialize(float[] initialWeights)
    {
        var model = Inner.Initialize(initialWeights);
        return model with { State = model.State.With(ClipKey, [(float)Mechanism.Clip]) };
    }

    public RoundPlan ConfigureRound(int round, GlobalModel model, IReadOnlyList<string> availableClients) =>
        Inner.ConfigureRound(round, model, availableClients);

    public IRoundAggregator BeginRound(int round, GlobalModel model) =>
        new PrivateRoundAggregator(round, model.Length, model.Version, Mechanism, ClipOf(model), () => noise(round));

    public GlobalModel Apply(GlobalModel current, RoundAggregate aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        if (aggregate.Privacy is not { } round)
            throw new ArgumentException("a private job's round must come from its private aggregator (clipped and noised)", nameof(aggregate));
        var next = Inner.Apply(current, aggregate);
        var state = next.State.With(ClipKey, [(float)round.NextClip]);
        // Kept with the model (checkpointed), so the accountant charges a short round after a restart too.
        if (round.NoiseShares is { } s) state = state.With(ShortRoundsKey, [.. ShortRounds(current), s]);
        return next with { State = state };
    }

    /// <summary>The noise shares of each round so far whose distributed noise fell short (empty: every round as planned).</summary>
    public static IReadOnlyList<float> ShortRounds(GlobalModel model) => model.State.Get(ShortRoundsKey) ?? [];

    /// <summary>The bound this model's next round clips to.</summary>
    public double ClipOf(GlobalModel model) => model.State.Get(ClipKey) is [var c] ? c : Mechanism.Clip;
}
