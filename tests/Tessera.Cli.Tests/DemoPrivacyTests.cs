using System.Globalization;
using System.Text.RegularExpressions;

namespace Tessera.Cli.Tests;

/// <summary>`tessera demo --dp-epsilon`: the demo job trains under central DP and shows the privacy it spends, round by round.</summary>
public sealed class DemoPrivacyTests
{
    [Fact]
    public void A_private_demo_spends_its_target_epsilon_over_its_rounds_and_shows_each_rounds_spend()
    {
        var dir = Directory.CreateTempSubdirectory("tessera-cli-").FullName;
        var r = CliRunner.Run(dir, "demo", "--quick", "--rounds", "2", "--workers", "1", "--no-cheater", "--dp-epsilon", "4", "--out", "demo");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.Contains("DP-FedAvg", r.StdOut);
        // The per-round table: ε after each round grows, and the noise was solved so the last round ends at the target.
        int table = r.StdOut.IndexOf("privacy spent", StringComparison.Ordinal);
        Assert.True(table >= 0, r.StdOut);
        var perRound = Regex.Matches(r.StdOut[table..r.StdOut.IndexOf("privacy: ε", table, StringComparison.Ordinal)], @"│ (\d+)\s+│ ([0-9.]+)\s+│").Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, perRound.Count);
        Assert.True(perRound[0] > 0 && perRound[0] < perRound[1], $"ε per round {string.Join(", ", perRound)}");
        var spent = double.Parse(Regex.Match(r.StdOut, @"ε = ([0-9.]+) at δ").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(spent, 3.9, 4.0005);
        Assert.Equal(perRound[1], spent, 3);
    }

    [Fact]
    public void A_nonpositive_privacy_setting_is_refused_naming_the_option()
    {
        var dir = Directory.CreateTempSubdirectory("tessera-cli-").FullName;
        var r = CliRunner.Run(dir, "demo", "--quick", "--dp-epsilon", "5", "--dp-clip", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--dp-clip", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")), "a refused demo started anyway");
    }
}
