using System.Globalization;
using System.Text;

namespace Tessera.Cli.Reports;

/// <summary>One `bench codecs` run: rounds and client updates to the job's target, and what they cost on the wire.</summary>
/// <param name="BytesPerUpdate">Mean wire bytes of an update, over the rounds counted.</param>
/// <param name="UploadedBytes">Wire bytes of every update up to the target (or of the whole run, when it was not reached).</param>
internal sealed record CodecRun(string Job, string Codec, string Digest, int Rounds, int? RoundsToTarget, long UpdatesToTarget, long BytesPerUpdate,
    long UploadedBytes, double FinalAccuracy, double WallSeconds)
{
    public const string CsvHeader = "job,codec,digest,rounds,rounds_to_target,updates_to_target,bytes_per_update,uploaded_bytes,final_accuracy,wall_seconds";

    /// <summary>Everything uploaded until the target was reached; null when it was not.</summary>
    public long? BytesToTarget => RoundsToTarget is null ? null : UploadedBytes;

    public string ToCsv() => string.Join(',', Job, Codec, Digest, Rounds.ToString(CultureInfo.InvariantCulture),
        RoundsToTarget?.ToString(CultureInfo.InvariantCulture) ?? "", UpdatesToTarget.ToString(CultureInfo.InvariantCulture),
        BytesPerUpdate.ToString(CultureInfo.InvariantCulture), UploadedBytes.ToString(CultureInfo.InvariantCulture), FinalAccuracy.ToString("R", CultureInfo.InvariantCulture), WallSeconds.ToString("F1", CultureInfo.InvariantCulture));

    public static CodecRun FromCsv(string line)
    {
        var f = line.Split(',');
        if (f.Length != 10) throw new FormatException($"runs.csv line has {f.Length} fields, expected 10: {line}");
        var inv = CultureInfo.InvariantCulture;
        return new CodecRun(f[0], f[1], f[2], int.Parse(f[3], inv), f[4].Length == 0 ? null : int.Parse(f[4], inv), long.Parse(f[5], inv), long.Parse(f[6], inv),
            long.Parse(f[7], inv), double.Parse(f[8], inv), double.Parse(f[9], inv));
    }

    /// <summary>One table per job, each codec against the job's f32 run (the first codec when there is no f32).</summary>
    public static string ToMarkdown(IReadOnlyList<CodecRun> runs)
    {
        var sb = new StringBuilder();
        foreach (var job in runs.GroupBy(r => r.Job))
        {
            var baseline = job.FirstOrDefault(r => r.Codec == "f32") ?? job.First();
            sb.AppendLine(CultureInfo.InvariantCulture, $"**{job.Key}** (against {baseline.Codec})").AppendLine();
            sb.AppendLine("| codec | bytes per update | share | rounds to target | × rounds | uploaded to target | × fewer bytes | final acc |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in job)
            {
                string rounds = r.RoundsToTarget?.ToString(CultureInfo.InvariantCulture) ?? $"> {r.Rounds}";
                string roundRatio = r.RoundsToTarget is { } t && baseline.RoundsToTarget is { } b ? ((double)t / b).ToString("F2", CultureInfo.InvariantCulture) : "—";
                string total = r.BytesToTarget is { } bytes ? Megabytes(bytes) : "—";
                string fewer = r.BytesToTarget is { } x && baseline.BytesToTarget is { } y ? ((double)y / x).ToString("F1", CultureInfo.InvariantCulture) : "—";
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Codec} | {r.BytesPerUpdate:N0} | {(double)r.BytesPerUpdate / baseline.BytesPerUpdate:P1} | {rounds} | {roundRatio} | {total} | {fewer} | {r.FinalAccuracy:P2} |"));
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    static string Megabytes(long bytes) => (bytes / 1e6).ToString(bytes >= 1e9 ? "N0" : "N1", CultureInfo.InvariantCulture) + " MB";
}
