using System.Globalization;
using Tessera.Simulation;

namespace Tessera.Cli.Reports;

/// <summary>Per-round simulation metrics as CSV, flushed every round so a long run stopped early keeps its curve.</summary>
internal sealed class MetricsCsv : IDisposable
{
    readonly StreamWriter _writer;
    readonly IReadOnlyList<string> _metrics;
    readonly bool _attack;
    readonly bool _robust;

    /// <param name="metrics">The model's metrics beyond accuracy and loss (auc, f1, mse, mae, perplexity), as test_NAME columns.</param>
    /// <param name="attack">The job mounts simulation.attack: adds attack, byzantine and attack_success_rate columns.</param>
    /// <param name="robust">The job sets strategy.aggregator: adds excluded, clipped, byzantine_share and honest_share columns.</param>
    public MetricsCsv(string path, IReadOnlyList<string>? metrics = null, bool attack = false, bool robust = false)
    {
        _robust = robust;
        _writer = new StreamWriter(path);
        _metrics = metrics ?? [];
        _attack = attack;
        _writer.WriteLine("round,test_accuracy,test_loss,train_loss,clients,samples,dropped,simulated_seconds,wall_seconds" + string.Concat(_metrics.Select(n => ",test_" + n))
            + (attack ? ",attack,byzantine,attack_success_rate" : "") + (robust ? ",excluded,clipped,byzantine_share,honest_share" : ""));
    }

    public void Write(RoundMetrics m)
    {
        static string F(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("G6", CultureInfo.InvariantCulture) : "";
        _writer.WriteLine(string.Join(',', m.Round.ToString(CultureInfo.InvariantCulture), F(m.TestAccuracy), F(m.TestLoss), F(m.MeanTrainLoss),
            m.Clients.ToString(CultureInfo.InvariantCulture), m.Samples.ToString(CultureInfo.InvariantCulture), m.Dropped.ToString(CultureInfo.InvariantCulture),
            F(m.SimulatedSeconds), F(m.WallSeconds)) + string.Concat(_metrics.Select(n => "," + F(m.Metrics?.GetValueOrDefault(n, double.NaN))))
            + (_attack ? $",{m.Attack},{m.Byzantine.ToString(CultureInfo.InvariantCulture)},{F(m.AttackSuccessRate)}" : "")
            + (_robust ? $",{m.Robust?.Excluded.ToString(CultureInfo.InvariantCulture)},{m.Robust?.Clipped.ToString(CultureInfo.InvariantCulture)},{F(m.Robust?.ByzantineShare)},{F(m.Robust?.HonestShare)}" : ""));
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
