using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tessera.Federation.Trust;
using Tessera.Protocol.Jobs;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench trust`: the adaptive audit policy against "build trust, then cheat" workers (pure simulation of
/// the coordinator's <see cref="TrustBook"/>): measured escape rate beside (1 − p)^m, and the share of an honest
/// worker's tasks that are replayed (what verification costs) by how long it stays.
/// </summary>
internal static class TrustBench
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "simulated cheaters per row", DefaultValueFactory = _ => 100_000 };
        var minRate = new Option<double>("--min-rate") { Description = "p_min", DefaultValueFactory = _ => new VerificationSpec().MinRate };
        var trustedAfter = new Option<int>("--trusted-after") { Description = "passes in a row before sampling", DefaultValueFactory = _ => new VerificationSpec().TrustedAfter };
        var cmd = new Command("trust", "Escape rate of cheaters under the adaptive audit policy, and the audit share of honest workers") { runs, minRate, trustedAfter };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int n = pr.GetValue(runs);
            CliOptions.Require(n >= 100, "--runs", "must be at least 100");
            double p = pr.GetValue(minRate);
            CliOptions.Require(p is > 0 and <= 1, "--min-rate", "must be in (0, 1]");
            int trusted = pr.GetValue(trustedAfter);
            CliOptions.Require(trusted >= 0, "--trusted-after", "must be 0 or more");
            Run(new VerificationSpec { MinRate = p, TrustedAfter = trusted }, n);
            return 0;
        }));
        return cmd;
    }

    static void Run(VerificationSpec spec, int runs)
    {
        string[] header = ["honest tasks first", "cheated tasks", "audit p when cheating starts", "(1 − p)^m", "measured escape", "runs"];
        var rows = new List<string[]>();
        foreach (int honest in new[] { 0, 10, 20, 100, 1000 })
            foreach (int cheated in new[] { 1, 5, 20, 50 })
            {
                var r = CheaterSimulation.Run(spec, honest, cheated, runs, seed: honest * 100 + cheated);
                rows.Add([honest.ToString(), cheated.ToString(), F(r.AuditProbability), F(r.Predicted), F(r.Measured), runs.ToString("N0", CultureInfo.InvariantCulture)]);
            }
        Print($"trusted_after {spec.TrustedAfter}, min_rate {spec.MinRate:G3}: a cheater escapes when none of its cheated tasks is audited", header, rows);
        string[] shareHeader = ["tasks per honest worker", "replayed share (exact)"];
        Print("verification cost on an honest fleet", shareHeader,
            new[] { 10, 20, 50, 100, 200, 500, 1000, 5000 }.Select(t => new[] { t.ToString(), AuditPolicy.ExpectedAuditShare(t, spec).ToString("P1", CultureInfo.InvariantCulture) }).ToList());
    }

    static void Print(string title, string[] header, List<string[]> rows)
    {
        var table = new Table().Title(title).AddColumns(header);
        foreach (var r in rows) table.AddRow(r);
        AnsiConsole.Write(table);
        Console.WriteLine($"| {string.Join(" | ", header)} |");
        Console.WriteLine($"|{string.Concat(Enumerable.Repeat("---|", header.Length))}");
        foreach (var r in rows) Console.WriteLine($"| {string.Join(" | ", r)} |");
        Console.WriteLine();
    }

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
