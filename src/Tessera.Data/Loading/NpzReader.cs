using System.IO.Compression;
using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>
/// Reads arrays from a NumPy .npz archive (a zip of .npy files, stored or deflated, as np.savez and
/// np.savez_compressed write them). Only the requested keys are inflated.
/// </summary>
public static class NpzReader
{
    /// <summary>Largest inflated entry accepted: a guard against zip bombs, far above any data set that fits memory.</summary>
    public const long MaxEntryBytes = 4L << 30;

    /// <summary>The arrays under <paramref name="keys"/> ("x" is the entry "x.npy").</summary>
    public static IReadOnlyDictionary<string, NumericArray> Read(Stream stream, string name, params string[] keys)
    {
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var result = new Dictionary<string, NumericArray>();
            foreach (string key in keys)
            {
                var entry = zip.GetEntry(key + ".npy") ?? zip.GetEntry(key)
                    ?? throw NpyReader.Error(name, $"has no array {MessageText.Quote(key)} (it holds {Describe(zip)})");
                result[key] = NpyReader.Read(Inflate(entry, name), $"{name}: {key}");
            }
            return result;
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException or IOException)
        {
            throw NpyReader.Error(name, $"not a valid .npz (zip) archive: {ex.Message}");
        }
    }

    public static IReadOnlyDictionary<string, NumericArray> Read(string path, params string[] keys)
    {
        using var file = File.OpenRead(path);
        return Read(file, path, keys);
    }

    private static byte[] Inflate(ZipArchiveEntry entry, string name)
    {
        if (entry.Length > Math.Min(MaxEntryBytes, Array.MaxLength))
            throw NpyReader.Error(name, $"entry {MessageText.Quote(entry.FullName)} inflates to {entry.Length} bytes, more than can be loaded");
        using var s = entry.Open();
        var buffer = new MemoryStream((int)entry.Length);
        // Copy at most Length + 1 bytes: a lying size field must not let an entry grow without bound.
        var chunk = new byte[81920];
        int got;
        while ((got = s.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + got > entry.Length)
                throw NpyReader.Error(name, $"entry {MessageText.Quote(entry.FullName)} is longer than its recorded size");
            buffer.Write(chunk, 0, got);
        }
        return buffer.ToArray();
    }

    private static string Describe(ZipArchive zip)
    {
        var names = zip.Entries.Select(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal) ? e.FullName[..^4] : e.FullName).ToList();
        return names.Count == 0 ? "nothing" : string.Join(", ", names.Take(10).Select(n => MessageText.Quote(n))) + (names.Count > 10 ? ", ..." : "");
    }
}
