using System.Numerics.Tensors;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>
/// privacy.secure_aggregation in the simulator: each round's updates are clipped, quantized and masked together in
/// SecAgg+ as the devices would, and only the unmasked sum is read, as at the coordinator.
/// </summary>
public class SecureJobTests
{
    const int Rounds = 3;

    static JobSpec Spec(string privacy) =>
        Specs.Synthetic("fedavg", "iid", clients: 10, perRound: 5, rounds: Rounds, extra: $"verification: {{ replay: off }}\n{privacy}");

    static SimulationResult Run(JobSpec spec)
    {
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        return sim.Run();
    }

    static double Distance(float[] a, float[] b)
    {
        var d = new float[a.Length];
        TensorPrimitives.Subtract(a, b, d);
        return TensorPrimitives.Norm(d);
    }

    static float[] Initial(JobSpec spec)
    {
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 1, Rounds = 0 });
        return sim.Run().Final.Weights;
    }

    [Fact]
    public void A_secure_job_ends_where_the_plain_one_does_but_for_the_quantization()
    {
        var plain = Run(Spec(""));
        var secure = Run(Spec("privacy: { secure_aggregation: { clip: 100 } }"));
        double moved = Distance(plain.Final.Weights, Initial(Spec("")));
        double apart = Distance(plain.Final.Weights, secure.Final.Weights);
        Assert.True(apart > 0, "the secure rounds should carry quantization error: did they run?");
        Assert.True(apart < 0.01 * moved, $"secure and plain models {apart:G3} apart, against {moved:G3} of training");
        Assert.Equal(plain.FinalAccuracy!.Value, secure.FinalAccuracy!.Value, 2);
    }

    [Fact]
    public void Each_update_is_clipped_before_it_is_masked_so_a_round_moves_the_model_at_most_the_clip()
    {
        const double clip = 0.001;
        var spec = Spec($"privacy: {{ secure_aggregation: {{ clip: {clip} }} }}");
        var initial = Initial(spec);
        double moved = Distance(Run(spec).Final.Weights, initial);
        Assert.InRange(moved, 0.1 * clip, Rounds * clip * 1.01);   // FedAvg's server step applies the mean of clipped updates
        Assert.True(Distance(Run(Spec("")).Final.Weights, initial) > 100 * Rounds * clip);
    }

    [Fact]
    public void A_secure_fednova_job_ends_where_plain_fednova_does_on_clients_of_very_different_sizes() =>
        // Quantity skew: clients hold very different amounts of data, so they run very different numbers of steps.
        // Step normalization matters here: without it the secure job would be FedAvg's.
        SecureAgainstPlain("fednova", "quantity");

    [Fact]
    public void A_secure_scaffold_job_ends_where_plain_scaffold_does_its_control_variates_summed_under_the_masks()
    {
        // Pathological non-IID (two labels a client), where SCAFFOLD's correction moves the model away from FedAvg's.
        var (plain, secure) = SecureAgainstPlain("scaffold", "pathological");
        var c = secure.Final.State.Get(Tessera.Federation.Strategies.Scaffold.ControlVariateKey)!;
        var plainC = plain.Final.State.Get(Tessera.Federation.Strategies.Scaffold.ControlVariateKey)!;
        Assert.True(TensorPrimitives.Norm(plainC) > 0 && Distance(c, plainC) < 0.01 * TensorPrimitives.Norm(plainC),
            $"server c {Distance(c, plainC):G3} from plain's, of norm {TensorPrimitives.Norm(plainC):G3}");
        Assert.Equal(plain.ClientStatesHeld, secure.ClientStatesHeld);
    }

    /// <summary>
    /// The strategy's secure job ends within 1% of its plain job's training distance, and secure FedAvg ends more than
    /// ten times further away: the secure rounds did run (quantization error) and kept what makes the strategy its own.
    /// </summary>
    static (SimulationResult Plain, SimulationResult Secure) SecureAgainstPlain(string strategy, string partition)
    {
        JobSpec Skewed(string name, string privacy) =>
            Specs.Synthetic(name, partition, clients: 10, perRound: 5, rounds: Rounds, extra: $"verification: {{ replay: off }}\n{privacy}");
        const string Secure = "privacy: { secure_aggregation: { clip: 100 } }";
        var plain = Run(Skewed(strategy, ""));
        var secure = Run(Skewed(strategy, Secure));
        var secureFedAvg = Run(Skewed("fedavg", Secure));
        double moved = Distance(plain.Final.Weights, Initial(Skewed(strategy, "")));
        double apart = Distance(plain.Final.Weights, secure.Final.Weights);
        double fedAvgApart = Distance(plain.Final.Weights, secureFedAvg.Final.Weights);
        Assert.True(apart > 0, "the secure rounds should carry quantization error: did they run?");
        Assert.True(apart < 0.01 * moved, $"secure and plain {strategy} {apart:G3} apart, against {moved:G3} of training");
        Assert.True(fedAvgApart > 10 * apart, $"secure fedavg is {fedAvgApart:G3} from plain {strategy}, secure {strategy} {apart:G3}");
        return (plain, secure);
    }

    [Theory]
    [InlineData("central")]
    [InlineData("distributed")]
    public void Dp_over_secure_aggregation_spends_what_central_dp_spends_and_reports_the_same_noise(string mode)
    {
        var central = Run(Spec("privacy: { dp: { noise_multiplier: 0.5, clip: 1.0 } }"));
        var secure = Run(Spec($"privacy: {{ secure_aggregation: {{}}, dp: {{ mode: {mode}, noise_multiplier: 0.5, clip: 1.0 }} }}"));
        var (a, b) = (central.Rounds.Where(r => r.Round > 0).ToList(), secure.Rounds.Where(r => r.Round > 0).ToList());
        Assert.Equal(Rounds, b.Count);
        // Distributed noise is Skellam on 20-bit levels: its std is z·(C + √d·Δ) (the rounding adds √d levels to the
        // sensitivity), and the lattice costs a little more ε than the Gaussian, by about 1e-11 here.
        double d = Initial(Spec("")).Length, lattice = mode == "distributed" ? 1 + Math.Sqrt(d) * 2 / (Math.Pow(2, 20) - 1) : 1;
        for (int i = 0; i < Rounds; i++)
        {
            Assert.Equal(a[i].Privacy!.Epsilon, b[i].Privacy!.Epsilon, 6);
            Assert.True(b[i].Privacy!.Epsilon >= a[i].Privacy!.Epsilon);
            Assert.Equal(a[i].Privacy!.NoiseStd * lattice, b[i].Privacy!.NoiseStd, 9);
        }
        // The same budget, but a different path: a masked, quantized sum (and, distributed, the clients' own noise).
        Assert.True(Distance(central.Final.Weights, secure.Final.Weights) > 0);
    }

    [Fact]
    public void Distributed_noise_short_of_dropped_clients_shares_is_charged_at_the_noise_the_sum_really_held()
    {
        // Clients 0 and 1 miss every deadline: a round that invited them sums 3 or 4 noise shares of the planned m = 5,
        // so its noise multiplier was z·√(s/5), not z. Charging z (what the accountant did before) under-reports ε.
        var spec = Spec("deadline_seconds: 5\nprivacy: { secure_aggregation: {}, dp: { mode: distributed, noise_multiplier: 0.8, clip: 1.0 } }");
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2, ClientSpeed = c => c < 2 ? 0.01 : 1000.0 });
        var rounds = sim.Run().Rounds.Where(r => r.Round > 0).ToList();
        var plan = sim.Plan.Privacy!;
        Assert.Equal(Rounds, rounds.Count);
        Assert.Contains(rounds, r => r.Clients < 5);
        var accountant = new Tessera.Federation.Privacy.Accounting.RdpAccountant();
        foreach (var r in rounds)
        {
            accountant.Compose(plan.Step with { NoiseMultiplier = 0.8 * Math.Sqrt(r.Clients / 5.0) });
            Assert.Equal(accountant.Epsilon(plan.Spec.Delta).Epsilon, r.Privacy!.Epsilon, 9);
            // s Skellam shares of (z·Δ2)²/m levels² each, in floats (Δ = 2C/(2^20 − 1)), over m on the mean.
            Assert.Equal(plan.DistributedNoiseLevels * 2.0 / (Math.Pow(2, 20) - 1) * Math.Sqrt(r.Clients / 5.0) / 5, r.Privacy.NoiseStd, 9);
        }
        Assert.True(rounds[^1].Privacy!.Epsilon > 1.05 * plan.SpentAfter(Rounds).Epsilon,
            $"charged ε = {rounds[^1].Privacy!.Epsilon:G4}, as planned {plan.SpentAfter(Rounds).Epsilon:G4}");
    }

    static JobSpec FedBuff(string privacy) =>
        Specs.Synthetic("fedbuff", "iid", clients: 20, perRound: 6, rounds: 6, strategyExtra: "\n  buffer_size: 3",
            extra: $"simulation: {{ samples_per_second: 100, speed_sigma: 0.8 }}\nverification: {{ replay: off }}\n{privacy}");

    [Fact]
    public void Secure_fedbuff_takes_one_masked_step_per_buffer_of_K_and_learns_as_plain_fedbuff_does()
    {
        var plain = Run(FedBuff(""));
        var secure = Run(FedBuff("privacy: { secure_aggregation: { clip: 100 } }"));
        Assert.Equal(7, secure.Rounds.Count);                                     // initial + 6 server steps
        Assert.All(secure.Rounds.Skip(1), r => Assert.Equal(3, r.Clients));       // one buffer of three per step
        Assert.Equal(18, secure.ClientUpdates);
        // Buffers start together from one version and wait for their slowest member, so the run is not plain
        // FedBuff's schedule; both learn the same task.
        Assert.True(secure.FinalAccuracy > secure.Rounds[0].TestAccuracy + 0.25, $"secure fedbuff: {secure.Rounds[0].TestAccuracy:P1} -> {secure.FinalAccuracy:P1}");
        Assert.True(Math.Abs(secure.FinalAccuracy!.Value - plain.FinalAccuracy!.Value) < 0.05, $"secure {secure.FinalAccuracy:P1}, plain {plain.FinalAccuracy:P1}");
        Assert.True(secure.Rounds[^1].SimulatedSeconds > plain.Rounds[^1].SimulatedSeconds, "a buffer waits for its slowest member");
    }

    [Fact]
    public void A_secure_fedbuff_step_moves_the_model_at_most_the_clip_because_every_update_is_clipped_before_it_is_masked()
    {
        const double clip = 0.001;
        var spec = FedBuff($"privacy: {{ secure_aggregation: {{ clip: {clip} }} }}");
        var initial = Initial(spec);
        double moved = Distance(Run(spec).Final.Weights, initial);
        Assert.InRange(moved, 0.1 * clip, 6 * clip * 1.01);   // six steps, each s(τ) ≤ 1 times a mean of clipped updates
        Assert.True(Distance(Run(FedBuff("")).Final.Weights, initial) > 100 * 6 * clip);
    }
}
