using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tessera.Federation.Privacy.Accounting;
using Tessera.Protocol.Wire;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera privacy epsilon|noise|steps`: the RDP accountant (docs/PRIVACY.md) on a job's numbers: the ε a number of
/// rounds spends, the noise multiplier a target ε needs, the rounds a noise multiplier affords.
/// </summary>
internal static class PrivacyCommand
{
    // ε is ∞ without noise; JSON has no such number, so it is written "Infinity" as the wire's NonFiniteNumbers do.
    static readonly JsonSerializerOptions Json = new(WireJson.Options) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static Command Create()
    {
        var privacy = new Command("privacy", "Differential-privacy accounting (RDP, as dp_accounting): epsilon of a job, noise for a target, rounds for a budget");
        privacy.Subcommands.Add(EpsilonCommand());
        privacy.Subcommands.Add(NoiseCommand());
        privacy.Subcommands.Add(StepsCommand());
        return privacy;
    }

    sealed record Common(Option<double> Rate, Option<double> Delta, Option<string> Sampling, Option<int?> Population, Option<bool> Json,
        Option<int?> SkellamBits, Option<int?> Dimension)
    {
        public static Common Create() => new(
            new Option<double>("--sampling-rate") { Description = "q in (0, 1]: a client's chance of joining a round (poisson), or cohort/population (fixed)", Required = true },
            new Option<double>("--delta") { Description = "δ in (0, 1), e.g. below 1/population", Required = true },
            new Option<string>("--sampling") { Description = "poisson (each client joins with probability q) or fixed (q·N clients without replacement)", DefaultValueFactory = _ => "poisson" },
            new Option<int?>("--population") { Description = "N, the clients a fixed-size cohort is drawn from (with --sampling fixed)" },
            new Option<bool>("--json") { Description = "print the result as JSON" },
            new Option<int?>("--skellam-bits") { Description = "distributed DP: charge Skellam noise on updates quantized to this many bits (privacy.secure_aggregation.bits); needs --dimension" },
            new Option<int?>("--dimension") { Description = "distributed DP: the model's parameter count d (with --skellam-bits)" });

        public IEnumerable<Option> All => [Rate, Delta, Sampling, Population, Json, SkellamBits, Dimension];

        /// <summary>The options as the accountant's round, with each bad value reported under its option's name.</summary>
        public SampledGaussian Round(ParseResult pr, double noiseMultiplier)
        {
            var round = GaussianRound(pr, noiseMultiplier);
            int? bits = pr.GetValue(SkellamBits), d = pr.GetValue(Dimension);
            if (bits is null && d is null) return round;
            CliOptions.Require(bits is not null, "--skellam-bits", "required with --dimension");
            CliOptions.Require(d is not null, "--dimension", "required with --skellam-bits");
            CliOptions.Require(bits is >= 1 and <= 30, "--skellam-bits", $"must be 1..30, not {bits}");
            CliOptions.Require(d >= 1, "--dimension", $"must be at least 1, not {d}");
            return round with { Skellam = SkellamSensitivity.OfQuantized(bits!.Value, d!.Value) };
        }

        SampledGaussian GaussianRound(ParseResult pr, double noiseMultiplier)
        {
            double q = pr.GetValue(Rate), delta = pr.GetValue(Delta);
            string sampling = pr.GetValue(Sampling)!;
            int? population = pr.GetValue(Population);
            CliOptions.Require(q is > 0 and <= 1, "--sampling-rate", $"must be in (0, 1], not {Show(q)}");
            CliOptions.Require(delta is > 0 and < 1, "--delta", $"must be in (0, 1), not {Show(delta)}");
            CliOptions.Require(sampling is "poisson" or "fixed", "--sampling", $"must be poisson or fixed, not '{sampling}'");
            CliOptions.Require(noiseMultiplier is >= 0 && double.IsFinite(noiseMultiplier), "--noise-multiplier", $"must be finite and non-negative, not {Show(noiseMultiplier)}");
            if (sampling == "poisson")
            {
                CliOptions.Require(population is null, "--population", "applies to --sampling fixed only");
                return SampledGaussian.Poisson(q, noiseMultiplier);
            }
            CliOptions.Require(population is not null, "--population", "required with --sampling fixed");
            CliOptions.Require(population >= 1, "--population", "must be at least 1");
            // The bound is for a whole cohort m = qN; say so rather than round a rate that names no cohort.
            double cohort = q * population!.Value;
            CliOptions.Require(Math.Abs(cohort - Math.Round(cohort)) <= 1e-6 * Math.Max(1, cohort), "--sampling-rate",
                $"{Show(q)} of {population} clients is not a whole cohort");
            return SampledGaussian.FixedSize((int)Math.Round(cohort), population.Value, noiseMultiplier);
        }
    }

    static Command EpsilonCommand()
    {
        var common = Common.Create();
        var noise = NoiseOption();
        var steps = StepsOption();
        var cmd = new Command("epsilon", "The ε that a number of rounds spends at δ, and the Rényi order that gives it") { noise, steps };
        foreach (var o in common.All) cmd.Options.Add(o);
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            var round = common.Round(pr, pr.GetValue(noise));
            long t = CheckSteps(pr.GetValue(steps));
            var spent = new RdpAccountant().Compose(round, t).Epsilon(pr.GetValue(common.Delta));
            if (pr.GetValue(common.Json))
                Console.WriteLine(JsonSerializer.Serialize(new EpsilonReport(spent.Epsilon, spent.Delta, spent.Order, round.NoiseMultiplier, t, Describe(round), round.SamplingRate, pr.GetValue(common.Population)), Json));
            else
            {
                Console.WriteLine($"epsilon = {Show(spent.Epsilon)} at delta = {Show(spent.Delta)} (best RDP order {Show(spent.Order)})");
                Console.WriteLine($"  {t} rounds, {Describe(round)} sampling at q = {Show(round.SamplingRate)}, noise multiplier {Show(round.NoiseMultiplier)}{Lattice(round)}");
                Edge(spent.Order);
            }
            return 0;
        }));
        return cmd;
    }

    static Command NoiseCommand()
    {
        var common = Common.Create();
        var epsilon = EpsilonOption();
        var steps = StepsOption();
        var cmd = new Command("noise", "The smallest noise multiplier under which a number of rounds spends at most a target ε") { epsilon, steps };
        foreach (var o in common.All) cmd.Options.Add(o);
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            double target = CheckEpsilon(pr.GetValue(epsilon));
            var round = common.Round(pr, 0);
            long t = CheckSteps(pr.GetValue(steps));
            double delta = pr.GetValue(common.Delta);
            double z = NoiseCalibration.NoiseMultiplier(round, target, t, delta)
                ?? throw new CliUsageException($"--epsilon: no noise multiplier up to {NoiseCalibration.MaxNoiseMultiplier:0e0} keeps {t} rounds within epsilon {Show(target)} at delta {Show(delta)}");
            var spent = new RdpAccountant().Compose(round.WithNoise(z), t).Epsilon(delta);
            if (pr.GetValue(common.Json))
                Console.WriteLine(JsonSerializer.Serialize(new NoiseReport(z, target, spent.Epsilon, delta, spent.Order, t, Describe(round), round.SamplingRate, pr.GetValue(common.Population)), Json));
            else
            {
                Console.WriteLine($"noise multiplier = {Show(z)} for epsilon {Show(target)} at delta = {Show(delta)} (spends {Show(spent.Epsilon)}, best RDP order {Show(spent.Order)})");
                Console.WriteLine($"  {t} rounds, {Describe(round)} sampling at q = {Show(round.SamplingRate)}{Lattice(round)}");
                Edge(spent.Order);
            }
            return 0;
        }));
        return cmd;
    }

    static Command StepsCommand()
    {
        var common = Common.Create();
        var epsilon = EpsilonOption();
        var noise = NoiseOption();
        var cmd = new Command("steps", "The most rounds that spend at most a target ε at a noise multiplier") { epsilon, noise };
        foreach (var o in common.All) cmd.Options.Add(o);
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            double target = CheckEpsilon(pr.GetValue(epsilon));
            var round = common.Round(pr, pr.GetValue(noise));
            double delta = pr.GetValue(common.Delta);
            long t = NoiseCalibration.MaxSteps(round, target, delta);
            if (pr.GetValue(common.Json))
                Console.WriteLine(JsonSerializer.Serialize(new StepsReport(t, target, delta, round.NoiseMultiplier, Describe(round), round.SamplingRate, pr.GetValue(common.Population)), Json));
            else
                Console.WriteLine(t == long.MaxValue
                    ? $"no round count exceeds epsilon {Show(target)} at delta = {Show(delta)}"
                    : $"rounds = {t} within epsilon {Show(target)} at delta = {Show(delta)} ({Describe(round)} sampling at q = {Show(round.SamplingRate)}, noise multiplier {Show(round.NoiseMultiplier)})");
            return 0;
        }));
        return cmd;
    }

    static Option<double> NoiseOption() => new("--noise-multiplier") { Description = "z ≥ 0: the noise's standard deviation over the clipping norm", Required = true };
    static Option<long> StepsOption() => new("--steps") { Description = "rounds (each one sampled, clipped, noised aggregate), at least 1", Required = true };
    static Option<double> EpsilonOption() => new("--epsilon") { Description = "the target ε, positive", Required = true };

    static long CheckSteps(long steps)
    {
        CliOptions.Require(steps >= 1, "--steps", $"must be at least 1, not {steps}");
        return steps;
    }

    static double CheckEpsilon(double epsilon)
    {
        CliOptions.Require(epsilon > 0 && double.IsFinite(epsilon), "--epsilon", $"must be positive and finite, not {Show(epsilon)}");
        return epsilon;
    }

    /// <summary>A best order at the grid's end means the optimum may lie beyond it (dp_accounting's own warning).</summary>
    static void Edge(double order)
    {
        if (order == RdpOrders.Default[0] || order == RdpOrders.Default[^1])
            Console.WriteLine("  note: the best order is at the end of the order grid; the bound may be looser than necessary");
    }

    static string Describe(SampledGaussian round) => round.Sampling == Sampling.Poisson ? "poisson" : "fixed";

    static string Lattice(SampledGaussian round) => round.Skellam is { } s
        ? $", distributed Skellam noise (sensitivity {Show(Math.Round(s.L2, 1))} levels in L2, integer orders only)" : "";

    static string Show(double x) => double.IsPositiveInfinity(x) ? "infinity" : x.ToString("G10", CultureInfo.InvariantCulture).Replace("E", "e");

    sealed record EpsilonReport(double Epsilon, double Delta, double Order, double NoiseMultiplier, long Steps, string Sampling, double SamplingRate, int? Population);

    sealed record NoiseReport(double NoiseMultiplier, double TargetEpsilon, double Epsilon, double Delta, double Order, long Steps, string Sampling, double SamplingRate, int? Population);

    sealed record StepsReport(long Steps, double TargetEpsilon, double Delta, double NoiseMultiplier, string Sampling, double SamplingRate, int? Population);
}
