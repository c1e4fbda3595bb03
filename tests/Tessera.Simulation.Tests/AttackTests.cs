using Tessera.Protocol.Jobs;
using Xunit.Abstractions;

namespace Tessera.Simulation.Tests;

/// <summary>Byzantine clients in a simulated job: who they are, what their attacks do to the model, what is reported.</summary>
public class AttackTests(ITestOutputHelper output)
{
    const int Clients = 20, PerRound = 8, Rounds = 5;

    static JobSpec Job(string? attack, int rounds = Rounds, string local = "epochs: 1\n  batch_size: 10\n  lr: 0.1") =>
        Specs.Synthetic("fedavg", "iid", Clients, PerRound, rounds, local: local,
            extra: attack is null ? "" : $"simulation: {{ attack: {attack} }}");

    SimulationResult Run(JobSpec spec, string label)
    {
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        var result = sim.Run();
        output.WriteLine($"{label}: acc {string.Join(", ", result.Rounds.Select(r => r.TestAccuracy?.ToString("P1")))}; " +
            $"byzantine {string.Join(",", result.Rounds.Select(r => r.Byzantine))}; asr {string.Join(", ", result.Rounds.Select(r => r.AttackSuccessRate?.ToString("P1")))}");
        return result;
    }

    [Fact]
    public void Sign_flip_on_a_quarter_of_the_clients_drags_a_plain_mean_far_below_the_clean_run()
    {
        var clean = Run(Job(null), "clean");
        var attacked = Run(Job("{ name: sign_flip, fraction: 0.25 }"), "sign_flip");
        Assert.True(clean.FinalAccuracy > 0.45, $"clean {clean.FinalAccuracy:P1}");
        // −mean from f of n clients scales the mean by (n − 2f)/n: a round drawing half attackers learns nothing.
        Assert.True(attacked.FinalAccuracy < clean.FinalAccuracy - 0.1, $"clean {clean.FinalAccuracy:P1}, attacked {attacked.FinalAccuracy:P1}");
        Assert.All(attacked.Rounds, r => Assert.Equal("sign_flip", r.Attack));
        Assert.Contains(attacked.Rounds, r => r.Byzantine > 0);
        Assert.All(clean.Rounds, r => Assert.Equal(0, r.Byzantine));
    }

    [Fact]
    public void Sign_flip_with_own_updates_trains_the_attackers_and_sends_their_own_update_negated()
    {
        var mean = Run(Job("{ name: sign_flip, fraction: 0.25 }", rounds: 3), "sign_flip −mean");
        var own = Run(Job("{ name: sign_flip, fraction: 0.25, own: true }", rounds: 3), "sign_flip own");
        Assert.Equal(mean.Rounds.Select(r => r.Byzantine), own.Rounds.Select(r => r.Byzantine));
        Assert.NotEqual(mean.Final.Weights, own.Final.Weights);
        Assert.True(own.FinalAccuracy < Run(Job(null, rounds: 3), "clean").FinalAccuracy);
    }

    [Fact]
    public void Ipm_with_a_large_epsilon_reverses_a_plain_mean_below_the_initial_model()
    {
        var attacked = Run(Job("{ name: ipm, fraction: 0.25, epsilon: 4 }"), "ipm ε=4");
        Assert.True(attacked.FinalAccuracy < attacked.Rounds[0].TestAccuracy, $"{attacked.Rounds[0].TestAccuracy:P1} -> {attacked.FinalAccuracy:P1}");
    }

    [Fact]
    public void Optimal_alie_without_a_robust_rule_optimizes_against_the_mean_and_stalls_training()
    {
        var attacked = Run(Job("{ name: optimal_alie, fraction: 0.25 }"), "optimal_alie");
        Assert.True(attacked.FinalAccuracy < attacked.Rounds[0].TestAccuracy + 0.05, $"{attacked.Rounds[0].TestAccuracy:P1} -> {attacked.FinalAccuracy:P1}");
    }

    [Fact]
    public void Byzantine_clients_are_fixed_from_the_seed_and_counted_among_each_rounds_folded_updates()
    {
        var folded = new List<(int Round, string Client)>();
        var options = new SimulationOptions { Parallelism = 2, Events = new SimulationEvents { UpdateFolded = (r, id) => { lock (folded) folded.Add((r, id)); } } };
        using var sim = new Simulator(Job("{ name: alie, fraction: 0.25 }"), options);
        using var again = new Simulator(Job("{ name: alie, fraction: 0.25 }"));
        using var otherSeed = new Simulator(Job("{ name: alie, fraction: 0.25 }") with { Seed = 8 });
        Assert.Equal(5, sim.Attack!.Byzantine.Count);   // ⌈0.25 · 20⌉
        Assert.Equal(sim.Attack.Byzantine.Order(), again.Attack!.Byzantine.Order());
        Assert.NotEqual(sim.Attack.Byzantine.Order(), otherSeed.Attack!.Byzantine.Order());
        using (var three = new Simulator(Job("{ name: alie, count: 3 }"))) Assert.Equal(3, three.Attack!.Byzantine.Count);

        var result = sim.Run();
        foreach (var r in result.Rounds.Where(r => r.Round > 0))
        {
            var clients = folded.Where(x => x.Round == r.Round).Select(x => Simulator.ClientIndex(x.Client)).ToList();
            Assert.Equal(r.Clients, clients.Count);
            Assert.Equal(clients.Count(sim.Attack.IsByzantine), r.Byzantine);
        }
        Assert.Contains(result.Rounds, r => r.Byzantine > 0);
    }

    [Fact]
    public void Runs_under_attack_are_deterministic_for_a_seed()
    {
        var a = Run(Job("{ name: gaussian, fraction: 0.25, sigma: 0.5 }", rounds: 3), "gaussian a");
        var b = Run(Job("{ name: gaussian, fraction: 0.25, sigma: 0.5 }", rounds: 3), "gaussian b");
        Assert.Equal(a.Final.Weights, b.Final.Weights);
        Assert.Equal(a.Rounds.Select(r => (r.TestAccuracy, r.Byzantine)), b.Rounds.Select(r => (r.TestAccuracy, r.Byzantine)));
    }

    [Fact]
    public void Label_flipping_clients_train_on_flipped_labels_and_the_model_still_learns_but_less()
    {
        var clean = Run(Job(null), "clean");
        var flipped = Run(Job("{ name: label_flip, fraction: 0.25 }"), "label_flip");
        Assert.True(flipped.FinalAccuracy > flipped.Rounds[0].TestAccuracy + 0.1, $"{flipped.Rounds[0].TestAccuracy:P1} -> {flipped.FinalAccuracy:P1}");
        Assert.True(flipped.FinalAccuracy < clean.FinalAccuracy, $"clean {clean.FinalAccuracy:P1}, flipped {flipped.FinalAccuracy:P1}");
        // The attackers trained (their losses count), unlike forged updates.
        Assert.All(flipped.Rounds.Skip(1), r => Assert.True(double.IsFinite(r.MeanTrainLoss)));
    }

    [Fact]
    public void Backdoor_success_rate_rises_far_above_the_clean_runs_while_main_accuracy_stays_up()
    {
        // count 0: the same trigger measured on a run with no attacker.
        var clean = Run(Job("{ name: backdoor, count: 0, target: 2 }"), "clean");
        var attacked = Run(Job("{ name: backdoor, fraction: 0.25, target: 2 }"), "backdoor");
        Assert.All(clean.Rounds, r => Assert.NotNull(r.AttackSuccessRate));
        double cleanRate = clean.Rounds[^1].AttackSuccessRate!.Value, rate = attacked.Rounds[^1].AttackSuccessRate!.Value;
        Assert.True(cleanRate < 0.3, $"clean success rate {cleanRate:P1}");
        Assert.True(rate > 0.9, $"attacked success rate {rate:P1}");
        Assert.True(attacked.FinalAccuracy > attacked.Rounds[0].TestAccuracy + 0.15, $"main accuracy {attacked.FinalAccuracy:P1}");
    }

    [Fact]
    public void Backdoor_target_outside_the_classes_is_refused_naming_the_field()
    {
        var e = Assert.Throws<JobSpecException>(() => new Simulator(Job("{ name: backdoor, target: 10 }")));
        Assert.Equal("simulation.attack.target", e.Field);
    }
}
