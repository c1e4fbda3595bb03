using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

/// <summary>`privacy:`: off by default; DP and secure aggregation read with their defaults; combinations that cannot keep their promise refused naming both settings.</summary>
public class PrivacySpecTests
{
    const string Cohort = "clients_per_round: 10\n";

    static JobSpec Parse(string privacy, string extra = Cohort) => JobSpecParser.Parse($"name: a\n{extra}privacy:\n{privacy}");

    static JobSpecException Refused(string privacy, string extra = Cohort) => Assert.Throws<JobSpecException>(() => Parse(privacy, extra));

    [Fact]
    public void Privacy_is_off_unless_asked_for()
    {
        var p = JobSpecParser.Parse("name: a").Privacy;
        Assert.True(p.IsOff);
        Assert.Null(p.Dp);
    }

    [Fact]
    public void A_dp_section_reads_its_settings_and_defaults()
    {
        var dp = Parse("  dp: { noise_multiplier: 1.1, clip: 0.5, target_epsilon: 4 }").Privacy.Dp!;
        Assert.Equal((DpSpec.Central, 0.5, (double?)1.1, (double?)4, 1e-5, DpSpec.Fixed), (dp.Mode, dp.Clip, dp.NoiseMultiplier, dp.TargetEpsilon, dp.Delta, dp.Sampling));
        Assert.Null(dp.AdaptiveClip);
        Assert.Equal(new AdaptiveClipSpec(), Parse("  dp: { noise_multiplier: 1, adaptive_clip: true }").Privacy.Dp!.AdaptiveClip);
        var a = Parse("  dp: { noise_multiplier: 1, adaptive_clip: { quantile: 0.7, learning_rate: 0.1, count_noise: 2 } }").Privacy.Dp!.AdaptiveClip!;
        Assert.Equal((0.7, 0.1, (double?)2), (a.Quantile, a.LearningRate, a.CountNoise));
        Assert.Null(Parse("  dp: { noise_multiplier: 1, adaptive_clip: false }").Privacy.Dp!.AdaptiveClip);
    }

    [Fact]
    public void The_spec_round_trips_through_json()
    {
        var spec = Parse("  dp: { noise_multiplier: 1.1, adaptive_clip: { quantile: 0.6 }, sampling: poisson }");
        Assert.Equal(spec.Privacy, JobSpecParser.Parse(JobSpecParser.ToJson(spec)).Privacy);
    }

    [Theory]
    [InlineData("  dp: { clip: 1 }", "privacy.dp.noise_multiplier")]
    [InlineData("  dp: { noise_multiplier: 0 }", "privacy.dp.noise_multiplier")]
    [InlineData("  dp: { noise_multiplier: 1, delta: 1 }", "privacy.dp.delta")]
    [InlineData("  dp: { noise_multiplier: 1, mode: shuffled }", "privacy.dp.mode")]
    [InlineData("  dp: { noise_multiplier: 1, clipp: 1 }", "privacy.dp.clipp")]
    [InlineData("  dp: { noise_multiplier: 1, adaptive_clip: { quantile: 1 } }", "privacy.dp.adaptive_clip.quantile")]
    [InlineData("  dp: { noise_multiplier: 1, adaptive_clip: maybe }", "privacy.dp.adaptive_clip")]
    [InlineData("  dp: { noise_multiplier: 1, mode: distributed }", "privacy.dp.mode")]
    [InlineData("  secure_aggregation: true\n  dp: { noise_multiplier: 1, mode: distributed, adaptive_clip: true }\nverification: { replay: off }", "privacy.dp.adaptive_clip")]
    [InlineData("  secure_aggregation: { clip: 2 }\n  dp: { noise_multiplier: 1 }\nverification: { replay: off }", "privacy.secure_aggregation.clip")]
    [InlineData("  secure_aggregation: { bits: 30 }", "privacy.secure_aggregation.bits", "clients_per_round: 10\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: { neighbours: 10 }", "privacy.secure_aggregation.neighbours", "clients_per_round: 10\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: { neighbours: 4, threshold: 5 }", "privacy.secure_aggregation.threshold", "clients_per_round: 10\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: true", "clients_per_round", "clients_per_round: 2\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: true", "over_selection", "clients_per_round: 5\nover_selection: 1.3\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: true", "clients_per_round", "clients_per_round: 5\nstrategy: { name: fedbuff }\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: true", "strategy.buffer_size", "clients_per_round: 5\nstrategy: { name: fedbuff, buffer_size: 2 }\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: { bits: 28 }", "privacy.secure_aggregation.bits", "strategy: { name: fedbuff, buffer_size: 16 }\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: true\n  dp: { noise_multiplier: 1 }", "privacy.dp", "clients_per_round: 5\nstrategy: { name: fedbuff, buffer_size: 3 }\nverification: { replay: off }\n")]
    [InlineData("  secure_aggregation: true", "verification.replay")]
    [InlineData("  dp: { noise_multiplier: 1, mode: local, adaptive_clip: true }\nverification: { replay: off }", "privacy.dp.adaptive_clip")]
    [InlineData("  dp: { noise_multiplier: 1, mode: local }", "verification.replay")]
    [InlineData("  secure_aggregation: maybe", "privacy.secure_aggregation")]
    [InlineData("  differential: true", "privacy.differential")]
    public void Bad_settings_name_the_field(string privacy, string field, string extra = Cohort) =>
        Assert.Equal(field, Refused(privacy, extra).Field);

    [Fact]
    public void Secure_aggregation_refuses_a_rule_that_needs_individual_updates_naming_both()
    {
        var e = Refused("  secure_aggregation: true", "clients_per_round: 10\nstrategy: { aggregator: median }\nverification: { replay: off }\n");
        Assert.Equal("privacy.secure_aggregation", e.Field);
        Assert.Contains("strategy.aggregator median", e.Message);
        Assert.Contains("privacy.dp.clip", e.Message);   // the compatible defence is offered
    }

    [Theory]
    [InlineData("strategy: { aggregator: krum }\n", "strategy.aggregator krum", "privacy.dp")]
    [InlineData("strategy: { name: scaffold }\n", "strategy.name scaffold", "privacy.dp")]
    [InlineData("strategy: { name: fednova }\n", "strategy.name fednova", "privacy.dp")]
    [InlineData("strategy: { name: fedbuff }\n", "strategy.name fedbuff", "privacy.dp")]
    [InlineData("over_selection: 1.3\n", "privacy.dp", "over_selection")]
    public void Dp_refuses_what_would_break_its_sensitivity_naming_both(string extra, string other, string field)
    {
        var e = Refused("  dp: { noise_multiplier: 1 }", Cohort + extra);
        Assert.Equal(field, e.Field);
        Assert.Contains(other, e.Message);
    }

    [Fact]
    public void Dp_needs_a_fixed_expected_cohort()
    {
        var e = Refused("  dp: { noise_multiplier: 1 }", "");
        Assert.Equal("clients_per_round", e.Field);
        Assert.Contains("privacy.dp", e.Message);
    }

    [Fact]
    public void Local_dp_without_replay_and_distributed_dp_under_secure_aggregation_are_accepted()
    {
        Assert.Equal(DpSpec.Local, Parse("  dp: { noise_multiplier: 1, mode: local }", Cohort + "verification: { replay: off }\n").Privacy.Dp!.Mode);
        var p = Parse("  secure_aggregation: true\n  dp: { noise_multiplier: 1, mode: distributed }", Cohort + "verification: { replay: off }\n").Privacy;
        Assert.Equal(new SecureAggregationSpec(), p.SecureAggregation);
        Assert.Equal(DpSpec.Distributed, p.Dp!.Mode);
    }

    [Fact]
    public void Secure_aggregation_takes_fednova_but_dp_still_refuses_it()
    {
        var spec = Parse("  secure_aggregation: true", Cohort + "strategy: { name: fednova }\nverification: { replay: off }\n");
        Assert.Equal("fednova", spec.Strategy.Name);
        Assert.NotNull(spec.Privacy.SecureAggregation);
        var e = Assert.Throws<JobSpecException>(() => Parse("  secure_aggregation: true\n  dp: { noise_multiplier: 1 }", Cohort + "strategy: { name: fednova }\nverification: { replay: off }\n"));
        Assert.Equal("privacy.dp", e.Field);
    }

    [Fact]
    public void Secure_aggregation_takes_scaffold_but_dp_still_refuses_it()
    {
        var spec = Parse("  secure_aggregation: true", Cohort + "strategy: { name: scaffold }\nverification: { replay: off }\n");
        Assert.Equal("scaffold", spec.Strategy.Name);
        Assert.NotNull(spec.Privacy.SecureAggregation);
        var e = Assert.Throws<JobSpecException>(() => Parse("  secure_aggregation: true\n  dp: { noise_multiplier: 1 }", Cohort + "strategy: { name: scaffold }\nverification: { replay: off }\n"));
        Assert.Equal("privacy.dp", e.Field);
    }

    [Fact]
    public void Secure_aggregation_takes_fedbuff_with_each_buffer_as_its_cohort()
    {
        // clients_per_round is FedBuff's concurrency, not the cohort: it may be absent, or hold several buffers at once.
        foreach (var concurrency in new[] { "", "clients_per_round: 6\n" })
        {
            var spec = Parse("  secure_aggregation: { bits: 27 }", concurrency + "strategy: { name: fedbuff, buffer_size: 3 }\nverification: { replay: off }\n");
            Assert.Equal((3, 27), (spec.Strategy.BufferSize, spec.Privacy.SecureAggregation!.Bits));
        }
        var e = Refused("  secure_aggregation: true", "clients_per_round: 5\nstrategy: { name: fedbuff, buffer_size: 2 }\nverification: { replay: off }\n");
        Assert.Contains("each buffer of buffer_size updates is one cohort", e.Message);
    }
}
