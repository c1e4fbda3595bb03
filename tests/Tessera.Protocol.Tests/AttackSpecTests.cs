using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

/// <summary>`simulation.attack:` — which attack the simulator mounts, on how many clients, with which parameters.</summary>
public class AttackSpecTests
{
    static JobSpec Parse(string attack, string extra = "") =>
        JobSpecParser.Parse($"name: a\ndata: {{ clients: 20 }}\n{extra}simulation: {{ attack: {attack} }}");

    [Fact]
    public void No_attack_section_means_every_client_is_honest()
    {
        Assert.Null(JobSpecParser.Parse("name: a").Simulation.Attack);
    }

    [Fact]
    public void Attacks_and_their_parameters_are_read_with_defaults_for_what_they_use()
    {
        var flip = Parse("{ name: sign_flip, fraction: 0.25 }").Simulation.Attack!;
        Assert.Equal(("sign_flip", 0.25, (int?)null), (flip.Name, flip.Fraction!.Value, flip.Count));
        Assert.Null(flip.Sigma);   // a parameter the attack does not read stays unset
        Assert.False(flip.Own);
        Assert.True(Parse("{ name: sign_flip, own: true }").Simulation.Attack!.Own);

        var ipm = Parse("{ name: IPM, count: 4, epsilon: 2 }").Simulation.Attack!;
        Assert.Equal(("ipm", (double?)null, (int?)4, (double?)2), (ipm.Name, ipm.Fraction, ipm.Count, ipm.Epsilon));

        var alie = Parse("{ name: alie }").Simulation.Attack!;
        Assert.Equal(0.2, alie.Fraction);   // the default share of Byzantine clients
        Assert.Null(alie.Z);                // z from n and f
        Assert.Equal(1.5, Parse("{ name: alie, z: 1.5 }").Simulation.Attack!.Z);

        Assert.Equal((1.0, 0.0), (Parse("{ name: gaussian }").Simulation.Attack!.Sigma!.Value, Parse("{ name: gaussian }").Simulation.Attack!.Mu!.Value));
        Assert.Equal("std", Parse("{ name: min_sum, direction: std }").Simulation.Attack!.Direction);
        Assert.Equal("unit_vec", Parse("{ name: min_max }").Simulation.Attack!.Direction);
        Assert.Equal(16, Parse("{ name: optimal_alie }").Simulation.Attack!.Evals);
        Assert.Equal(2, Parse("{ name: mimic, worker: 2 }").Simulation.Attack!.Worker);

        var backdoor = Parse("{ name: backdoor, target: 7, boost: 10, poison_fraction: 0.3, trigger_size: 4 }").Simulation.Attack!;
        Assert.Equal((7, 10.0, 0.3, 4), (backdoor.Target!.Value, backdoor.Boost!.Value, backdoor.PoisonFraction!.Value, backdoor.TriggerSize!.Value));
        Assert.True(backdoor.PoisonsData);
        Assert.Null(Parse("{ name: backdoor }").Simulation.Attack!.Boost);   // n / f per round
    }

    [Fact]
    public void Attack_section_round_trips_through_ToJson()
    {
        foreach (var attack in new[] { "{ name: sign_flip, fraction: 0.25 }", "{ name: backdoor, target: 3 }", "{ name: ipm, count: 2 }", "{ name: min_max, direction: sign }" })
        {
            var spec = Parse(attack);
            Assert.Equal(spec.Simulation.Attack, JobSpecParser.Parse(JobSpecParser.ToJson(spec)).Simulation.Attack);
        }
    }

    [Theory]
    [InlineData("{ name: nope }", "simulation.attack.name", "is not one of")]
    [InlineData("{ fraction: 0.1 }", "simulation.attack.name", "is required")]
    [InlineData("{ name: alie, fraction: 0.5 }", "simulation.attack.fraction", "below 0.5")]
    [InlineData("{ name: alie, fraction: 0.7 }", "simulation.attack.fraction", "out of range")]
    [InlineData("{ name: alie, fraction: -0.1 }", "simulation.attack.fraction", "out of range")]
    [InlineData("{ name: alie, count: 10 }", "simulation.attack.count", "not a minority")]
    [InlineData("{ name: alie, count: 2, fraction: 0.1 }", "simulation.attack.count", "not both")]
    [InlineData("{ name: alie, epsilon: 2 }", "simulation.attack.epsilon", "only applies to ipm")]
    [InlineData("{ name: sign_flip, sigma: 2 }", "simulation.attack.sigma", "only applies to gaussian")]
    [InlineData("{ name: ipm, boost: 5 }", "simulation.attack.boost", "only applies to backdoor")]
    [InlineData("{ name: alie, own: true }", "simulation.attack.own", "only applies to sign_flip")]
    [InlineData("{ name: ipm, epsilon: 0 }", "simulation.attack.epsilon", "out of range")]
    [InlineData("{ name: min_max, direction: up }", "simulation.attack.direction", "is not one of")]
    [InlineData("{ name: backdoor, poison_fraction: 1.5 }", "simulation.attack.poison_fraction", "out of range")]
    [InlineData("{ name: alie, sgima: 1 }", "simulation.attack.sgima", "unknown field")]
    public void Bad_attack_settings_are_refused_naming_the_field(string attack, string field, string reason)
    {
        var e = Assert.Throws<JobSpecException>(() => Parse(attack));
        Assert.Equal(field, e.Field);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void With_client_momentum_a_forging_attack_forges_the_momentum_unless_told_the_update()
    {
        const string momentum = "strategy: { aggregator: { name: median, momentum: 0.9 } }\n";
        Assert.Equal("momentum", Parse("{ name: alie }", momentum).Simulation.Attack!.Forges);
        Assert.Equal("update", Parse("{ name: alie, forges: update }", momentum).Simulation.Attack!.Forges);
        Assert.Null(Parse("{ name: label_flip }", momentum).Simulation.Attack!.Forges);   // it trains; nothing is forged
        Assert.Null(Parse("{ name: alie }").Simulation.Attack!.Forges);                   // without momentum the two are one
        var spec = Parse("{ name: ipm, forges: update }", momentum);
        Assert.Equal(spec.Simulation.Attack, JobSpecParser.Parse(JobSpecParser.ToJson(spec)).Simulation.Attack);

        var without = Assert.Throws<JobSpecException>(() => Parse("{ name: alie, forges: momentum }"));
        Assert.Equal(("simulation.attack.forges", true), (without.Field, without.Reason.Contains("strategy.aggregator.momentum")));
        var poisons = Assert.Throws<JobSpecException>(() => Parse("{ name: backdoor, forges: update }", momentum));
        Assert.Contains("poisons training data", poisons.Reason);
        Assert.Equal("simulation.attack.forges", Assert.Throws<JobSpecException>(() => Parse("{ name: alie, forges: both }", momentum)).Field);
    }

    [Fact]
    public void Attacks_that_need_a_synchronous_round_or_forge_without_control_variates_are_refused()
    {
        var async = Assert.Throws<JobSpecException>(() => Parse("{ name: alie }", "strategy: { name: fedbuff }\n"));
        Assert.Equal("simulation.attack", async.Field);
        var scaffold = Assert.Throws<JobSpecException>(() => Parse("{ name: sign_flip }", "strategy: { name: scaffold }\n"));
        Assert.Contains("control variate", scaffold.Reason);
        Assert.Equal("label_flip", Parse("{ name: label_flip }", "strategy: { name: scaffold }\n").Simulation.Attack!.Name);
    }

    [Fact]
    public void Gamma_similarity_partition_reads_gamma_and_refuses_it_elsewhere_or_out_of_range()
    {
        var spec = JobSpecParser.Parse("name: a\ndata: { partition: gamma_similarity, gamma: 0 }");
        Assert.Equal(("gamma_similarity", (double?)0.0), (spec.Data.Partition, spec.Data.Gamma));
        Assert.Null(JobSpecParser.Parse("name: a").Data.Gamma);
        Assert.Equal(0.5, JobSpecParser.Parse("name: a\ndata: { partition: gamma_similarity }").Data.Gamma);
        Assert.Equal("dirichlet", JobSpecParser.Parse("name: a\ndata: { partition: dirichlet, alpha: 0.1 }").Data.Partition);
        var elsewhere = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: a\ndata: { partition: iid, gamma: 0.3 }"));
        Assert.Equal("data.gamma", elsewhere.Field);
        var range = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: a\ndata: { partition: gamma_similarity, gamma: 1.2 }"));
        Assert.Equal("data.gamma", range.Field);
    }
}
