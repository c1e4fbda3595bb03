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
    readonly bool _privacy;

    /// <param name="metrics">The model's metrics beyond accuracy and loss (auc, f1, mse, mae, perplexity), as test_NAME columns.</param>
    /// <param name="attack">The job mounts simulation.attack: adds attack, byzantine and attack_success_rate columns.</param>
    /// <param name="robust">The job sets strategy.aggregator: adds excluded, clipped, byzantine_share and honest_share columns.</param>
    /// <param name="privacy">The job sets privacy.dp: adds epsilon, delta, clip, noise_std and unclipped_fraction columns (ε spent after the round, the bound it clipped to, the noise's σ on the mean, the noised share within the bound under adaptive clipping).</param>
    public MetricsCsv(string path, IReadOnlyList<string>? metrics = null, bool attack = false, bool robust = false, bool privacy = false)
    {
        _robust = robust;
        _privacy = privacy;
        _writer = new StreamWriter(path);
        _metrics = metrics ?? [];
        _attack = attack;
        _writer.WriteLine("round,test_accuracy,test_loss,train_loss,clients,samples,dropped,simulated_seconds,wall_seconds" + string.Concat(_metrics.Select(n => ",test_" + n))
            + (attack ? ",attack,byzantine,attack_success_rate" : "") + (robust ? ",excluded,clipped,byzantine_share,honest_share" : "")
            + (privacy ? ",epsilon,delta,clip,noise_std,unclipped_fraction" : "") + ",upload_bytes");
    }

    public void Write(RoundMetrics m)
    {
        static string F(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("G6", CultureInfo.InvariantCulture) : "";
        _writer.WriteLine(string.Join(',', m.Round.ToString(CultureInfo.InvariantCulture), F(m.TestAccuracy), F(m.TestLoss), F(m.MeanTrainLoss),
            m.Clients.ToString(CultureInfo.InvariantCulture), m.Samples.ToString(CultureInfo.InvariantCulture), m.Dropped.ToString(CultureInfo.InvariantCulture),
            F(m.SimulatedSeconds), F(m.WallSeconds)) + string.Concat(_metrics.Select(n => "," + F(m.Metrics?.GetValueOrDefault(n, double.NaN))))
            + (_attack ? $",{m.Attack},{m.Byzantine.ToString(CultureInfo.InvariantCulture)},{F(m.AttackSuccessRate)}" : "")
            + (_robust ? $",{m.Robust?.Excluded.ToString(CultureInfo.InvariantCulture)},{m.Robust?.Clipped.ToString(CultureInfo.InvariantCulture)},{F(m.Robust?.ByzantineShare)},{F(m.Robust?.HonestShare)}" : "")
            + (_privacy ? $",{F(m.Privacy?.Epsilon)},{F(m.Privacy?.Delta)},{F(m.Privacy?.Clip)},{F(m.Privacy?.NoiseStd)},{F(m.Privacy?.UnclippedFraction)}" : "")
            + "," + m.UploadBytes.ToString(CultureInfo.InvariantCulture));
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
