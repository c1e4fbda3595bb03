using Tessera.Federation.Planning;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>privacy.dp in the simulator: DP-FedAvg learns, spends what the accountant says, and stops at its budget.</summary>
public class PrivateJobTests
{
    // 100 clients of 60 samples, 40 a round (q = 0.4): a cohort large enough that noise of z·C/m leaves the mean readable.
    static JobSpec Spec(string dp, int rounds, string extra = "") =>
        Specs.Synthetic("fedavg", "iid", clients: 100, perRound: 40, rounds: rounds, local: "epochs: 2\n  batch_size: 10\n  lr: 0.5", extra: $"privacy:\n  dp: {dp}\n{extra}", trainSamples: 6000);

    static SimulationResult Run(string dp, int rounds = 8, string extra = "")
    {
        var spec = Spec(dp, rounds, extra);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        return sim.Run();
    }

    [Fact]
    public void Central_dp_learns_and_each_round_reports_the_epsilon_the_accountant_gives()
    {
        var result = Run("{ noise_multiplier: 0.3, clip: 3.0 }");
        var plan = PrivacyPlan.From(Spec("{ noise_multiplier: 0.3, clip: 3.0 }", 8))!;
        var rounds = result.Rounds.Where(r => r.Round > 0).ToList();
        Assert.Equal(8, rounds.Count);
        for (int i = 0; i < rounds.Count; i++)
        {
            var p = rounds[i].Privacy!;
            Assert.Equal(plan.SpentAfter(i + 1).Epsilon, p.Epsilon, 12);
            Assert.Equal(0.3 * 3.0 / 40, p.NoiseStd, 12);
            if (i > 0) Assert.True(p.Epsilon > rounds[i - 1].Privacy!.Epsilon);
        }
        // Ten classes (chance 0.1); without noise these 8 rounds reach about 0.55.
        Assert.True(result.FinalAccuracy > 0.3, $"accuracy {result.FinalAccuracy}");
    }

    [Fact]
    public void The_noise_is_really_added_drowning_the_updates_when_it_dwarfs_the_clip()
    {
        var quiet = Run("{ noise_multiplier: 0.01, clip: 3.0 }", rounds: 4);
        var loud = Run("{ noise_multiplier: 5000, clip: 3.0 }", rounds: 4);
        Assert.True(quiet.FinalAccuracy - loud.FinalAccuracy > 0.2, $"quiet {quiet.FinalAccuracy}, loud {loud.FinalAccuracy}");
    }

    [Fact]
    public void A_job_stops_before_a_round_would_pass_its_target_epsilon()
    {
        var result = Run("{ noise_multiplier: 1.5, target_epsilon: 3 }", rounds: 200);
        var last = result.Rounds[^1];
        Assert.True(last.Round < 200);
        Assert.True(last.Privacy!.Epsilon <= 3);
        var plan = PrivacyPlan.From(Spec("{ noise_multiplier: 1.5, target_epsilon: 3 }", 200))!;
        Assert.True(plan.SpentAfter(last.Round + 1).Epsilon > 3);
        Assert.Contains("privacy budget", result.StoppedEarly);
    }

    [Fact]
    public void Without_a_noise_multiplier_the_noise_is_solved_to_spend_the_target_over_the_rounds()
    {
        var result = Run("{ target_epsilon: 2 }", rounds: 5);
        Assert.Equal(5, result.Rounds[^1].Round);
        Assert.InRange(result.Rounds[^1].Privacy!.Epsilon, 1.99, 2.0);
        Assert.Null(result.StoppedEarly);
    }

    [Fact]
    public void Poisson_sampling_draws_cohorts_of_varying_size_around_m()
    {
        var result = Run("{ noise_multiplier: 1.0, sampling: poisson }", rounds: 12);
        var sizes = result.Rounds.Where(r => r.Round > 0).Select(r => r.Clients).ToList();
        Assert.True(sizes.Distinct().Count() > 2, string.Join(",", sizes));
        Assert.InRange(sizes.Average(), 32, 48);
    }

    [Fact]
    public void Local_dp_noises_on_the_client_and_reports_the_epsilon_of_the_most_used_client()
    {
        var result = Run("{ mode: local, noise_multiplier: 0.5, clip: 1.0 }", rounds: 6, extra: "verification: { replay: off }");
        var plan = PrivacyPlan.From(Spec("{ mode: local, noise_multiplier: 0.5, clip: 1.0 }", 6, "verification: { replay: off }"))!;
        var eps = result.Rounds.Where(r => r.Round > 0).Select(r => r.Privacy!.Epsilon).ToList();
        // A client takes part in at most as many rounds as have run: its ε is one of the accountant's first six values.
        var possible = Enumerable.Range(1, 6).Select(k => plan.SpentAfter(k).Epsilon).ToList();
        Assert.All(eps, e => Assert.Contains(possible, p => Math.Abs(p - e) < 1e-9));
        Assert.Equal(0, result.Rounds[^1].Privacy!.NoiseStd);   // the server adds nothing
    }
}
