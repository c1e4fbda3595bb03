using System.Text.Json;

namespace Tessera.Cli.Tests;

/// <summary>`tessera privacy`: the reference ε as text and JSON, the noise solve, fixed-size cohorts, and bad input as one line naming the option.</summary>
public class PrivacyCommandTests
{
    static readonly string Dir = Path.GetTempPath();

    static JsonElement Json(CliRunner.Result run)
    {
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        return JsonDocument.Parse(run.StdOut).RootElement;
    }

    [Fact]
    public void Epsilon_prints_tf_privacys_reference_value_and_order()
    {
        // compute_dp_sgd_privacy_test Test0: 150 of 60000 examples, z = 1.3, 15 epochs, δ = 1e-5.
        var run = CliRunner.Run(Dir, "privacy", "epsilon", "--sampling-rate", "0.0025", "--noise-multiplier", "1.3", "--steps", "6000", "--delta", "1e-5");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("epsilon = 0.7242234026", run.StdOut);
        Assert.Contains("order 19", run.StdOut);

        var json = Json(CliRunner.Run(Dir, "privacy", "epsilon", "--sampling-rate", "0.0025", "--noise-multiplier", "1.3", "--steps", "6000", "--delta", "1e-5", "--json"));
        Assert.Equal(0.7242234026109595, json.GetProperty("epsilon").GetDouble(), 1e-9);
        Assert.Equal(19, json.GetProperty("order").GetDouble());
        Assert.Equal("poisson", json.GetProperty("sampling").GetString());
    }

    [Fact]
    public void Noise_solves_back_the_reference_noise_multiplier()
    {
        var json = Json(CliRunner.Run(Dir, "privacy", "noise", "--epsilon", "0.7242234026109595", "--sampling-rate", "0.0025", "--steps", "6000", "--delta", "1e-5", "--json"));
        Assert.Equal(1.3, json.GetProperty("noise_multiplier").GetDouble(), 1e-6);
        Assert.True(json.GetProperty("epsilon").GetDouble() <= 0.7242234026109595);
        var text = CliRunner.Run(Dir, "privacy", "noise", "--epsilon", "0.7242234026109595", "--sampling-rate", "0.0025", "--steps", "6000", "--delta", "1e-5");
        Assert.Contains("noise multiplier = 1.3", text.StdOut);
    }

    [Fact]
    public void A_fixed_cohort_costs_more_than_poisson_at_the_same_rate()
    {
        string[] args = ["privacy", "epsilon", "--sampling-rate", "0.05", "--noise-multiplier", "1", "--steps", "100", "--delta", "1e-5", "--json"];
        var poisson = Json(CliRunner.Run(Dir, args)).GetProperty("epsilon").GetDouble();
        var fixedSize = Json(CliRunner.Run(Dir, [.. args, "--sampling", "fixed", "--population", "1000"]));
        Assert.Equal("fixed", fixedSize.GetProperty("sampling").GetString());
        Assert.Equal(1000, fixedSize.GetProperty("population").GetInt32());
        Assert.True(fixedSize.GetProperty("epsilon").GetDouble() > poisson);
    }

    [Fact]
    public void Distributed_Skellam_noise_costs_a_little_more_than_the_Gaussian_and_its_noise_solves_back()
    {
        string[] args = ["privacy", "epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "1", "--steps", "1000", "--delta", "1e-5", "--json"];
        double gaussian = Json(CliRunner.Run(Dir, args)).GetProperty("epsilon").GetDouble();
        double skellam = Json(CliRunner.Run(Dir, [.. args, "--skellam-bits", "20", "--dimension", "199210"])).GetProperty("epsilon").GetDouble();
        Assert.InRange(skellam, gaussian * 1.001, gaussian * 1.3);
        var noise = Json(CliRunner.Run(Dir, "privacy", "noise", "--epsilon", skellam.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            "--sampling-rate", "0.01", "--steps", "1000", "--delta", "1e-5", "--skellam-bits", "20", "--dimension", "199210", "--json"));
        Assert.Equal(1, noise.GetProperty("noise_multiplier").GetDouble(), 6);
        OneLineNaming(CliRunner.Run(Dir, [.. args[..^1], "--dimension", "10"]), "--skellam-bits");
        OneLineNaming(CliRunner.Run(Dir, [.. args[..^1], "--skellam-bits", "20"]), "--dimension");
    }

    [Fact]
    public void Steps_counts_the_rounds_a_budget_affords()
    {
        var json = Json(CliRunner.Run(Dir, "privacy", "steps", "--epsilon", "0.7242234027", "--sampling-rate", "0.0025", "--noise-multiplier", "1.3", "--delta", "1e-5", "--json"));
        Assert.Equal(6000, json.GetProperty("steps").GetInt64());
    }

    [Theory]
    [InlineData("--sampling-rate", "1.5")]
    [InlineData("--sampling-rate", "0")]
    [InlineData("--noise-multiplier", "-0.1")]
    [InlineData("--steps", "0")]
    [InlineData("--delta", "1")]
    [InlineData("--delta", "0")]
    public void Bad_input_is_one_line_naming_the_option(string option, string value)
    {
        var args = new Dictionary<string, string> { ["--sampling-rate"] = "0.01", ["--noise-multiplier"] = "1", ["--steps"] = "10", ["--delta"] = "1e-5" };
        args[option] = value;
        var run = CliRunner.Run(Dir, ["privacy", "epsilon", .. args.SelectMany(a => new[] { a.Key, a.Value })]);
        OneLineNaming(run, option);
    }

    [Fact]
    public void An_unreachable_target_and_a_cohort_that_is_no_whole_number_are_named()
    {
        OneLineNaming(CliRunner.Run(Dir, "privacy", "noise", "--epsilon", "1e-12", "--sampling-rate", "1", "--steps", "1000000", "--delta", "1e-5"), "--epsilon");
        OneLineNaming(CliRunner.Run(Dir, "privacy", "noise", "--epsilon", "-1", "--sampling-rate", "0.1", "--steps", "10", "--delta", "1e-5"), "--epsilon");
        OneLineNaming(CliRunner.Run(Dir, "privacy", "epsilon", "--sampling-rate", "0.0123", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5",
            "--sampling", "fixed", "--population", "100"), "--sampling-rate");
        OneLineNaming(CliRunner.Run(Dir, "privacy", "epsilon", "--sampling-rate", "0.1", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5",
            "--sampling", "fixed"), "--population");
    }

    static void OneLineNaming(CliRunner.Result run, string option)
    {
        Assert.NotEqual(0, run.ExitCode);
        var line = Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"error: {option}:", line);
        Assert.DoesNotContain("Exception", run.StdErr);
    }
}
