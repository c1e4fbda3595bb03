using System.Text;
using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>
/// Plain text as next-token windows for language models: the whole text is one token stream, cut into
/// non-overlapping windows of L+1 tokens; a sample's features are tokens [0, L) of its window (float token ids)
/// and its L labels are tokens [1, L], the next token at each position. The remainder shorter than a window is
/// dropped. Windows never overlap, so a train/test split by window shares no text.
/// </summary>
public static class TextLoader
{
    public static (Dataset Data, TextVocabulary Vocabulary) Load(byte[] text, string name, TextTokens tokens, int sequenceLength,
        TextVocabulary? vocabulary = null)
    {
        if (sequenceLength <= 0)
            throw new DatasetFormatException($"{name}: sequence length {sequenceLength} must be positive");
        int[] ids;
        if (tokens == TextTokens.Byte)
        {
            vocabulary = TextVocabulary.Bytes;
            ids = Array.ConvertAll(text, b => (int)b);
        }
        else
        {
            int[] runes = Decode(text, name);
            vocabulary ??= tokens == TextTokens.Ascii ? TextVocabulary.Ascii : TextVocabulary.OfCharacters(runes);
            ids = new int[runes.Length];
            for (int i = 0; i < runes.Length; i++)
                if (!vocabulary.TryGetId(runes[i], out ids[i]))
                    throw new DatasetFormatException(
                        $"{name}: character {Describe(runes[i])} at character {i} is not in the {vocabulary.Kind.ToString().ToLowerInvariant()} vocabulary");
        }
        int window = sequenceLength + 1;
        long count = ids.Length / window;
        if (count == 0)
            throw new DatasetFormatException($"{name}: {ids.Length} tokens is shorter than one window of sequence length {sequenceLength} + 1");
        var features = new float[checked(count * sequenceLength)];
        var labels = new long[features.Length];
        for (long w = 0; w < count; w++)
            for (int t = 0; t < sequenceLength; t++)
            {
                features[w * sequenceLength + t] = ids[w * window + t];
                labels[w * sequenceLength + t] = ids[w * window + t + 1];
            }
        return (Dataset.ForSequences(features, sequenceLength, labels, vocabulary.Count), vocabulary);
    }

    private static int[] Decode(byte[] text, string name)
    {
        int skip = text.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0; // a UTF-8 byte-order mark is not text
        var runes = new List<int>(text.Length);
        ReadOnlySpan<byte> rest = text.AsSpan(skip);
        int offset = skip;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out int used) != System.Buffers.OperationStatus.Done)
                throw new DatasetFormatException($"{name}: not valid UTF-8 at byte {offset} (use tokens: byte for binary text)");
            runes.Add(rune.Value);
            rest = rest[used..];
            offset += used;
        }
        return runes.ToArray();
    }

    private static string Describe(int rune) => rune is >= 32 and < 127 ? $"'{(char)rune}'" : $"U+{rune:X4}";
}
