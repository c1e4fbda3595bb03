using Spectre.Console;
using Tessera.Coordinator.Storage;

namespace Tessera.Cli.Commands;

/// <summary>The demo's closing tables: the privacy spent, what happened to the cheater, and the ledger by status.</summary>
internal static class DemoReport
{
    /// <summary>--dp-epsilon: ε after each round, as the accountant released it with the round's metrics.</summary>
    public static void Privacy(Store store, string jobId, Coordinator.Jobs.PrivacyView view)
    {
        var table = new Table().AddColumns("round", "ε after it", "clip", "noise σ on the mean").Title($"privacy spent (δ = {view.Delta:G2})");
        foreach (var r in store.Rounds(jobId))
        {
            var m = r.Metrics is null ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(r.Metrics);
            string Get(string key, string format) => m?.TryGetValue(key, out var v) == true ? v.ToString(format) : "-";
            table.AddRow(r.Round.ToString(), Get("epsilon", "F3"), Get("dp_clip", "G3"), Get("dp_noise_std", "G3"));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"privacy: ε = [bold]{view.Epsilon:F3}[/] at δ = {view.Delta:G2} spent (target {view.TargetEpsilon:G4}); noise multiplier {view.NoiseMultiplier:G4}");
    }

    public static void Cheater(Store store, string jobId, DemoCheater cheater)
    {
        var audits = store.Audits(jobId);
        var caught = audits.FirstOrDefault(a => a.WorkerId == cheater.WorkerId && !a.Passed);
        long counted = store.Rounds(jobId).Sum(r => r.Updates);
        var table = new Table().AddColumns("worker", "audits", "passed", "failed", "max relative error of a pass", "banned").Title("replay audits");
        foreach (var g in audits.GroupBy(a => a.WorkerId))
        {
            var trust = store.Trust(jobId).GetValueOrDefault(g.Key);
            string name = g.Key == cheater.WorkerId ? $"[red]{Markup.Escape(DemoCheater.Name)}[/]" : Markup.Escape(store.Worker(g.Key)?.Name ?? g.Key);
            var passes = g.Where(a => a.Passed).Select(a => a.RelativeError ?? 0).DefaultIfEmpty(0);
            table.AddRow(name, g.Count().ToString(), g.Count(a => a.Passed).ToString(), g.Count(a => !a.Passed).ToString(), passes.Max().ToString("G3"), trust?.Banned == true ? "[red]yes[/]" : "no");
        }
        AnsiConsole.Write(table);
        if (caught is null)
        {
            AnsiConsole.MarkupLine($"[yellow]the cheater uploaded {cheater.Uploads} times and was not caught[/] (was it never selected?)");
            return;
        }
        AnsiConsole.MarkupLine($"[red]cheater caught[/] on its upload {cheater.Uploads} (round {cheater.CaughtInRound}): {Markup.Escape(caught.Reason ?? "")}");
        AnsiConsole.MarkupLine($"  its update was excluded ({counted} honest updates counted, none of it); the coordinator said: [grey]{Markup.Escape(cheater.Refusal ?? "")}[/]");
    }

    public static void Ledger(Store store, string jobId)
    {
        var ledger = new Table().AddColumns("contributor", "updates", "samples", "granted (GFLOP)", "pending", "revoked", "unverifiable").Title("ledger");
        foreach (var l in store.LedgerTotals(jobId))
            ledger.AddRow(Markup.Escape(l.Name), l.Updates.ToString(), l.Samples.ToString("N0"), l.Granted.ToString("F2"), l.Pending.ToString("F2"),
                l.Revoked > 0 ? $"[red]{l.Revoked:F2}[/]" : "0.00", l.Unverifiable.ToString("F2"));
        AnsiConsole.Write(ledger);
    }
}
