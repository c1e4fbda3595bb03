using Tessera.Federation;
using Tessera.Federation.Planning;
using Tessera.Federation.Privacy;

namespace Tessera.Coordinator.Jobs;

/// <summary>A job's privacy as its status shows it: the mode, the ε(δ) spent by the rounds released so far, the target, and the current clipping bound.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record PrivacyView(string Mode, bool SecureAggregation, double NoiseMultiplier, double Epsilon, double Delta, double? TargetEpsilon, double Clip, long MaxRounds)
{
    public static PrivacyView? Of(JobSetup setup, GlobalModel model)
    {
        if (setup.Plan.Privacy is not { } plan) return null;
        double clip = setup.Strategy is PrivateStrategy p ? p.ClipOf(model) : plan.Spec.Clip;
        // Local mode: each worker's own ε composes over its rounds; the job-wide bound is that of one taking part in every round.
        return new PrivacyView(plan.Spec.Mode, setup.Spec.Privacy.SecureAggregation is not null, plan.NoiseMultiplier, plan.SpentBy(model).Epsilon, plan.Spec.Delta,
            plan.Spec.TargetEpsilon, clip, Math.Min(plan.MaxRounds, setup.Spec.Rounds));
    }
}
