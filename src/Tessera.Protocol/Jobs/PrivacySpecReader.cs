using System.Text.Json.Nodes;

namespace Tessera.Protocol.Jobs;

/// <summary>Reads the `privacy:` section; settings that do not apply to the chosen mode are errors, not ignored.</summary>
internal static class PrivacySpecReader
{
    public static PrivacySpec Read(SpecReader p)
    {
        var secure = ReadSecure(p);
        var dp = p.Has("dp") && p.Node("dp") is not null ? ReadDp(p.Child("dp")) : null;
        p.RejectUnknown();
        return new PrivacySpec { SecureAggregation = secure, Dp = dp };
    }

    /// <summary>`secure_aggregation: true` takes the defaults; a mapping sets them; false or absent is off.</summary>
    static SecureAggregationSpec? ReadSecure(SpecReader p)
    {
        var node = p.Node("secure_aggregation");
        if (node is null) return null;
        if (node is JsonValue)
        {
            var wrapped = new SpecReader(new JsonObject { ["secure_aggregation"] = node.DeepClone() }, "privacy");
            return wrapped.Bool("secure_aggregation", false)!.Value ? new SecureAggregationSpec() : null;
        }
        var s = p.Child("secure_aggregation");
        var spec = new SecureAggregationSpec
        {
            Clip = s.Double("clip", null, 0, exclusiveMin: true),
            Bits = s.Int("bits", SecureAggregationSpec.DefaultBits, 15, 30)!.Value,
            Neighbours = s.Int("neighbours", null, 2),
            Threshold = s.Int("threshold", null, 2),
            StageSeconds = s.Double("stage_seconds", 30, 0, exclusiveMin: true)!.Value,
        };
        s.RejectUnknown();
        if (spec.Threshold > spec.Neighbours)
            throw new JobSpecException("privacy.secure_aggregation.threshold", $"{spec.Threshold} exceeds privacy.secure_aggregation.neighbours ({spec.Neighbours}): a client has only that many share holders");
        return spec;
    }

    static DpSpec ReadDp(SpecReader d)
    {
        var spec = new DpSpec
        {
            Mode = d.String("mode", DpSpec.Central, DpSpec.Modes)!,
            Clip = d.Double("clip", 1.0, 0, exclusiveMin: true)!.Value,
            AdaptiveClip = ReadAdaptive(d),
            NoiseMultiplier = d.Double("noise_multiplier", null, 0, exclusiveMin: true),
            TargetEpsilon = d.Double("target_epsilon", null, 0, exclusiveMin: true),
            Delta = d.Double("delta", 1e-5, 0, 1, exclusiveMin: true)!.Value,
            Sampling = d.String("sampling", DpSpec.Fixed, DpSpec.Samplings)!,
        };
        d.RejectUnknown();
        if (spec.Delta >= 1) throw new JobSpecException("privacy.dp.delta", "must be below 1");
        if (spec.NoiseMultiplier is null && spec.TargetEpsilon is null)
            throw new JobSpecException("privacy.dp.noise_multiplier", "is required unless privacy.dp.target_epsilon is given (the noise is then solved for it over the job's rounds)");
        return spec;
    }

    /// <summary>`adaptive_clip: true` takes Andrew et al.'s defaults; a mapping sets them.</summary>
    static AdaptiveClipSpec? ReadAdaptive(SpecReader d)
    {
        var node = d.Node("adaptive_clip");
        if (node is null) return null;
        if (node is JsonValue)
        {
            var wrapped = new SpecReader(new JsonObject { ["adaptive_clip"] = node.DeepClone() }, "privacy.dp");
            return wrapped.Bool("adaptive_clip", false)!.Value ? new AdaptiveClipSpec() : null;
        }
        var a = d.Child("adaptive_clip");
        var spec = new AdaptiveClipSpec
        {
            Quantile = a.Double("quantile", 0.5, 0, 1, exclusiveMin: true)!.Value,
            LearningRate = a.Double("learning_rate", 0.2, 0, exclusiveMin: true)!.Value,
            CountNoise = a.Double("count_noise", null, 0),
        };
        a.RejectUnknown();
        if (spec.Quantile >= 1) throw new JobSpecException("privacy.dp.adaptive_clip.quantile", "must be below 1 (a bound above every update never adapts down)");
        return spec;
    }
}
