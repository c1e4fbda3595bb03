using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tessera.Worker;

/// <summary>
/// How many samples a local data set holds, told to the coordinator at join so it can size tasks (K = epochs ×
/// samples / batch). The exact count needs the job's format (a text set's windows depend on the model), so this is a
/// cheap count: rows of a CSV, files of an image folder, and the leading dimension a tensor file's header states
/// (safetensors, npy, npz, idx), read without loading the data.
/// </summary>
public static partial class LocalDataCount
{
    public static int Estimate(string path)
    {
        try
        {
            if (Directory.Exists(path))
                return Math.Max(1, Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Count());
            int count = Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".csv" => File.ReadLines(path).Count(l => l.Trim().Length > 0) - 1,
                ".safetensors" => Safetensors(path),
                ".npy" => Npy(File.OpenRead(path)),
                ".npz" => Npz(path),
                _ => Idx(path),
            };
            return Math.Max(1, count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or JsonException or FormatException or OverflowException)
        {
            return 1;
        }
    }

    /// <summary>The largest leading dimension among the file's tensors (features and labels share it).</summary>
    static int Safetensors(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> size = stackalloc byte[8];
        f.ReadExactly(size);
        long length = BinaryPrimitives.ReadInt64LittleEndian(size);
        if (length is <= 0 or > 100_000_000) return 1;
        var header = new byte[length];
        f.ReadExactly(header);
        using var doc = JsonDocument.Parse(header);
        return doc.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__" && p.Value.TryGetProperty("shape", out var s) && s.GetArrayLength() > 0)
            .Select(p => p.Value.GetProperty("shape")[0].GetInt32()).DefaultIfEmpty(1).Max();
    }

    static int Npy(Stream stream)
    {
        using var s = stream;
        var head = new byte[512];
        int read = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var match = NpyShape().Match(Encoding.ASCII.GetString(head, 0, read));
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
    }

    static int Npz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)).Select(e => Npy(e.Open())).DefaultIfEmpty(1).Max();
    }

    /// <summary>IDX (MNIST's format): magic 0x0000 type dims, then dims big-endian u32; the first is the sample count.</summary>
    static int Idx(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        if (f.ReadAtLeast(head, 8, throwOnEndOfStream: false) < 8 || head[0] != 0 || head[1] != 0 || head[3] == 0) return 1;
        return (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(head[4..]));
    }

    [GeneratedRegex(@"'shape':\s*\((\d+)")]
    private static partial Regex NpyShape();
}
