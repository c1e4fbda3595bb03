using CsCheck;
using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

/// <summary>`strategy.aggregator`: the mean by default, a bare rule name or a mapping; impossible combinations refused naming both settings.</summary>
public class AggregatorSpecTests
{
    static AggregatorSpec Read(string aggregator, string extra = "clients_per_round: 10") =>
        JobSpecParser.Parse($"name: a\nstrategy:\n  aggregator: {aggregator}\n{extra}").Strategy.Aggregator;

    [Fact]
    public void The_default_is_the_plain_mean()
    {
        var a = JobSpecParser.Parse("name: a").Strategy.Aggregator;
        Assert.Equal(new AggregatorSpec(), a);
        Assert.True(a.IsPlainMean);
        Assert.Equal(AggregatorSpec.Mean, a.Name);
    }

    [Fact]
    public void A_job_on_worker_data_defaults_to_the_robust_aggregator_unless_it_names_one_or_cannot_take_it()
    {
        const string onWorkers = "data: { dataset: digits, on_workers: true, format: { kind: safetensors, features: x, label: y } }\nclients_per_round: 4";
        var robust = JobSpecParser.Parse($"name: a\n{onWorkers}").Strategy.Aggregator;
        Assert.Equal(WorkerDataDefaults.Aggregator, robust);
        Assert.True(robust is { Name: AggregatorSpec.CenteredClip, AdaptiveTau: true, IsPlainMean: false });
        Assert.Equal("centered_clip (tau adaptive)", robust.Summary);
        Assert.Equal("multi_krum (f 2, m 4, momentum 0.9, pre nnm, bucketing 2)",
            Read("{ name: multi_krum, f: 2, m: 4, momentum: 0.9, pre: [nnm, {bucketing: 2}] }", "clients_per_round: 20").Summary);
        Assert.Equal("median", Read("median").Summary);
        // Read back from its JSON (as the coordinator stores it) it stays the same rule.
        var spec = JobSpecParser.Parse($"name: a\n{onWorkers}");
        Assert.Equal(robust, JobSpecParser.Parse(JobSpecParser.ToJson(spec)).Strategy.Aggregator);
        // Asking for the mean, data the coordinator serves, and strategies or privacy that need the mean keep it.
        Assert.True(JobSpecParser.Parse($"name: a\n{onWorkers}\nstrategy: {{ aggregator: mean }}").Strategy.Aggregator.IsPlainMean);
        Assert.True(JobSpecParser.Parse("name: a\nclients_per_round: 4").Strategy.Aggregator.IsPlainMean);
        foreach (var strategy in new[] { "fednova", "scaffold" })
            Assert.True(JobSpecParser.Parse($"name: a\n{onWorkers}\nstrategy: {{ name: {strategy} }}").Strategy.Aggregator.IsPlainMean, strategy);
        Assert.True(JobSpecParser.Parse($"name: a\n{onWorkers}\nprivacy: {{ dp: {{ noise_multiplier: 1 }} }}").Strategy.Aggregator.IsPlainMean);
        // The inner strategy's server step is kept: fedavgm with the robust rule in front.
        var fedavgm = JobSpecParser.Parse($"name: a\n{onWorkers}\nstrategy: {{ name: fedavgm }}").Strategy;
        Assert.Equal(("fedavgm", WorkerDataDefaults.Aggregator), (fedavgm.Name, fedavgm.Aggregator));
    }

    [Fact]
    public void A_bare_name_takes_every_default()
    {
        var a = Read("Median");
        Assert.Equal(new AggregatorSpec { Name = "median" }, a);
        Assert.False(a.IsPlainMean);
        Assert.Equal(AggregatorSpec.DefaultF, Read("krum").Byzantine);
    }

    [Fact]
    public void A_mapping_reads_each_rules_settings()
    {
        var krum = Read("{ name: multi_krum, f: 2, m: 4, momentum: 0.9, pre: [nnm, {bucketing: 2}] }", "clients_per_round: 20");
        Assert.Equal(("multi_krum", (int?)2, (int?)4, (double?)0.9), (krum.Name, krum.F, krum.M, krum.Momentum));
        Assert.Equal([new PreAggregationSpec("nnm"), new PreAggregationSpec("bucketing", 2)], krum.Pre);
        var cc = Read("{ name: centered_clip, tau: 0.5, iterations: 3 }");
        Assert.Equal((0.5, 3), (cc.Tau!.Value, cc.Iterations!.Value));
        var geo = Read("{ name: geomed, iterations: 20, nu: 0.001 }");
        Assert.Equal((20, 0.001), (geo.Iterations!.Value, geo.Nu!.Value));
        Assert.Equal(2.5, Read("{ name: norm_bound, bound: 2.5 }").Bound);
        Assert.Null(Read("{ name: norm_bound, bound: adaptive }").Bound);
        Assert.True(Read("{ name: centered_clip, tau: adaptive }") is { Tau: null, AdaptiveTau: true });
        Assert.False(Read("{ name: centered_clip }").AdaptiveTau);
        Assert.Equal(0.2, Read("{ name: trimmed_mean, beta: 0.2 }").Beta);
        Assert.Equal(3, Read("{ name: trimmed_mean, f: 3 }").F);
        Assert.True(Read("{ momentum: 0.99 }") is { Name: "mean", IsPlainMean: false });
        Assert.Single(Read("{ pre: [bucketing] }").Pre, p => p.BucketSize is null);
    }

    [Theory]
    [InlineData("median")]
    [InlineData("{ name: multi_krum, f: 2, m: 4, momentum: 0.9, pre: [nnm, {bucketing: 2}] }")]
    [InlineData("{ name: norm_bound, bound: 2.5 }")]
    [InlineData("{ name: geomed, iterations: 20, nu: 0.001, f: 3, pre: [arc, nnm] }")]
    [InlineData("{ name: trimmed_mean, beta: 0.2 }")]
    [InlineData("{ name: centered_clip, tau: adaptive, iterations: 3, pre: [bucketing] }")]
    public void The_aggregator_round_trips_through_ToJson(string aggregator)
    {
        var spec = JobSpecParser.Parse($"name: a\nstrategy:\n  aggregator: {aggregator}\nclients_per_round: 20");
        Assert.Equal(spec.Strategy.Aggregator, JobSpecParser.Parse(JobSpecParser.ToJson(spec)).Strategy.Aggregator);
    }

    [Fact]
    public void A_bare_name_is_written_back_bare()
    {
        Assert.Contains("\"aggregator\": \"median\"", JobSpecParser.ToJson(JobSpecParser.Parse("name: a\nstrategy: { aggregator: median }\nclients_per_round: 5")));
        Assert.Contains("\"aggregator\": \"mean\"", JobSpecParser.ToJson(JobSpecParser.Parse("name: a")));
    }

    [Theory]
    // Unknown names and settings
    [InlineData("sparkle", "", "strategy.aggregator", "is not one of")]
    [InlineData("{ name: sparkle }", "", "strategy.aggregator.name", "is not one of")]
    [InlineData("{ name: median, sigma: 1 }", "", "strategy.aggregator.sigma", "unknown field")]
    [InlineData("{ pre: [shuffle] }", "", "strategy.aggregator.pre[0]", "is not one of")]
    [InlineData("{ pre: [{nnm: 2}] }", "", "strategy.aggregator.pre[0]", "strategy.aggregator.f")]
    [InlineData("{ pre: nnm }", "", "strategy.aggregator.pre", "must be a list")]
    [InlineData("{ pre: [{arc: 2}] }", "", "strategy.aggregator.pre[0]", "arc takes no settings of its own")]
    [InlineData("{ pre: [{bucketing: 0}] }", "", "strategy.aggregator.pre[0].bucketing", "out of range")]
    // Settings for another rule
    [InlineData("{ name: median, f: 1 }", "", "strategy.aggregator.f", "only applies to trimmed_mean, krum, multi_krum, bulyan or pre: nnm, arc")]
    [InlineData("{ name: krum, m: 2 }", "", "strategy.aggregator.m", "only applies to multi_krum")]
    [InlineData("{ name: median, tau: 1 }", "", "strategy.aggregator.tau", "only applies to centered_clip")]
    [InlineData("{ name: krum, iterations: 3 }", "", "strategy.aggregator.iterations", "only applies to geomed, centered_clip")]
    [InlineData("{ name: centered_clip, nu: 0.1 }", "", "strategy.aggregator.nu", "only applies to geomed")]
    [InlineData("{ name: mean, bound: 1 }", "", "strategy.aggregator.bound", "only applies to norm_bound")]
    [InlineData("{ name: krum, beta: 0.1 }", "", "strategy.aggregator.beta", "only applies to trimmed_mean")]
    // Out of range
    [InlineData("{ momentum: 1 }", "", "strategy.aggregator.momentum", "below 1")]
    [InlineData("{ momentum: 0 }", "", "strategy.aggregator.momentum", "out of range")]
    [InlineData("{ momentum: 1.5 }", "", "strategy.aggregator.momentum", "out of range")]
    [InlineData("{ name: centered_clip, tau: 0 }", "", "strategy.aggregator.tau", "out of range")]
    [InlineData("{ name: centered_clip, tau: -1 }", "", "strategy.aggregator.tau", "out of range")]
    [InlineData("{ name: centered_clip, tau: wide }", "", "strategy.aggregator.tau", "positive number or adaptive")]
    [InlineData("{ name: trimmed_mean, beta: 0.5 }", "", "strategy.aggregator.beta", "every value")]
    [InlineData("{ name: trimmed_mean, beta: 0.1, f: 1 }", "", "strategy.aggregator.beta", "not both")]
    [InlineData("{ name: geomed, iterations: 0 }", "", "strategy.aggregator.iterations", "out of range")]
    [InlineData("{ name: norm_bound, bound: -2 }", "", "strategy.aggregator.bound", "out of range")]
    [InlineData("{ name: krum, f: -1 }", "", "strategy.aggregator.f", "out of range")]
    // Too few updates per round for the rule's f: one line naming both settings
    [InlineData("{ name: bulyan, f: 2 }", "clients_per_round: 10", "strategy.aggregator.f", "4f + 3 = 11 updates per round, clients_per_round gives 10")]
    [InlineData("{ name: bulyan }", "clients_per_round: 6", "strategy.aggregator.f", "f = 1 needs at least 4f + 3 = 7")]
    [InlineData("{ name: krum, f: 3 }", "clients_per_round: 8", "strategy.aggregator.f", "2f + 3 = 9 updates per round, clients_per_round gives 8")]
    [InlineData("{ name: multi_krum, f: 1, m: 9 }", "clients_per_round: 8", "strategy.aggregator.m", "m = 9 of 8 updates per round (clients_per_round)")]
    [InlineData("{ name: krum, f: 2 }", "data: { clients: 60 }\nfraction: 0.1", "strategy.aggregator.f", "fraction × data.clients gives 6")]
    [InlineData("{ name: krum, f: 1, pre: [{bucketing: 2}] }", "clients_per_round: 8", "strategy.aggregator.f", "clients_per_round in buckets of 2 gives 4")]
    [InlineData("{ name: trimmed_mean, f: 5 }", "clients_per_round: 10", "strategy.aggregator.f", "trimming 5 of each side of 10 updates per round (clients_per_round)")]
    [InlineData("{ name: trimmed_mean, f: 1 }", "clients_per_round: 2", "strategy.aggregator.f", "trimming 1 of each side of 2")]
    [InlineData("{ name: median, f: 3, pre: [nnm] }", "clients_per_round: 6", "strategy.aggregator.pre[0]", "nnm with strategy.aggregator.f = 3 needs more than 2f = 6 updates per round, clients_per_round gives 6")]
    [InlineData("{ name: median, pre: [{bucketing: 10}] }", "clients_per_round: 10", "strategy.aggregator.pre[0]", "one bucket")]
    public void Impossible_aggregators_are_refused_naming_the_fields(string aggregator, string extra, string field, string fragment)
    {
        var e = Assert.Throws<JobSpecException>(() => Read(aggregator, extra));
        Assert.Equal(field, e.Field);
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData("fednova", "median", "local steps")]
    [InlineData("scaffold", "krum", "Δc_i")]
    [InlineData("fedbuff", "geomed", "stale updates")]
    [InlineData("fednova", "{ momentum: 0.9 }", "strategy.aggregator.momentum")]
    [InlineData("scaffold", "{ pre: [nnm] }", "strategy.aggregator.pre")]
    public void Strategies_whose_round_is_not_a_mean_refuse_robust_rules_and_say_why(string strategy, string aggregator, string fragment)
    {
        var e = Assert.Throws<JobSpecException>(() =>
            JobSpecParser.Parse($"name: a\nstrategy:\n  name: {strategy}\n  aggregator: {aggregator}\nclients_per_round: 10"));
        Assert.Equal("strategy.aggregator", e.Field);
        Assert.Contains($"strategy.name {strategy}", e.Message);
        Assert.Contains(fragment, e.Message);
        // The plain mean stays allowed with them.
        JobSpecParser.Parse($"name: a\nstrategy: {{ name: {strategy}, aggregator: mean }}\nclients_per_round: 10");
    }

    [Fact]
    public void Rules_fit_when_the_round_is_large_enough()
    {
        Assert.Equal("bulyan", Read("{ name: bulyan, f: 2 }", "clients_per_round: 11").Name);
        Assert.Equal("krum", Read("{ name: krum, f: 2 }", "data: { clients: 70 }\nfraction: 0.1").Name);
        Assert.Equal(0.1, Read("{ name: trimmed_mean }", "clients_per_round: 3").Beta ?? AggregatorSpec.DefaultTrim);   // ⌊0.3⌋ = 0 trimmed
    }

    [Fact]
    public void Command_line_overrides_set_the_aggregator_in_either_form()
    {
        const string yaml = "name: a\nclients_per_round: 10";
        Assert.Equal("median", JobSpecParser.Parse(yaml, [SpecOverride.Parse("strategy.aggregator=median")]).Strategy.Aggregator.Name);
        var krum = JobSpecParser.Parse(yaml, [SpecOverride.Parse("strategy.aggregator.name=krum"), SpecOverride.Parse("strategy.aggregator.f=3")]).Strategy.Aggregator;
        Assert.Equal(("krum", (int?)3), (krum.Name, krum.F));
        var e = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(yaml, [SpecOverride.Parse("strategy.aggregator=bulyan"), SpecOverride.Parse("strategy.aggregator.f=3")]));
        Assert.Equal("strategy.aggregator", e.Field);   // a bare name is a single value: set the mapping instead
    }

    [Fact]
    public void Mutated_aggregator_sections_only_fail_as_spec_errors()
    {
        const string valid = "{ name: multi_krum, f: 2, m: 4, momentum: 0.9, pre: [nnm, {bucketing: 2}] }";
        var mutated = Gen.Select(Gen.Int[0, valid.Length], Gen.Int[0, 4], Gen.String[Gen.Char["{}[]:,- abcfmnu0123456789.e"], 0, 5])
            .Select((at, cut, insert) => valid[..at] + insert + valid[Math.Min(valid.Length, at + cut)..]);
        mutated.Sample(text =>
        {
            try { Read(text, "clients_per_round: 20"); }
            catch (JobSpecException) { }
        }, iter: 2000, threads: 1);
    }
}
