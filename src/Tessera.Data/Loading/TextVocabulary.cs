using System.Text;
using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>The tokens of a text data set: token id i stands for <see cref="Symbols"/>[i] (a character, or a byte value).</summary>
public sealed class TextVocabulary
{
    /// <summary>Newline, then printable ASCII from space to '~': 96 tokens.</summary>
    public static TextVocabulary Ascii { get; } = new(TextTokens.Ascii, [10, .. Enumerable.Range(32, 95)]);
    public static TextVocabulary Bytes { get; } = new(TextTokens.Byte, Enumerable.Range(0, 256).ToArray());

    public TextTokens Kind { get; }
    /// <summary>Code points (char, ascii) or byte values (byte), in token-id order.</summary>
    public IReadOnlyList<int> Symbols { get; }
    public int Count => Symbols.Count;
    private readonly Dictionary<int, int> _ids;

    private TextVocabulary(TextTokens kind, int[] symbols)
    {
        Kind = kind;
        Symbols = Array.AsReadOnly(symbols);
        _ids = symbols.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i);
    }

    /// <summary>The distinct characters of <paramref name="runes"/>, sorted by code point.</summary>
    public static TextVocabulary OfCharacters(IEnumerable<int> runes) =>
        new(TextTokens.Char, runes.Distinct().Order().ToArray());

    public bool TryGetId(int symbol, out int id) => _ids.TryGetValue(symbol, out id);

    /// <summary>The text a token id stands for (a byte shows as its Latin-1 character).</summary>
    public string Decode(int id) => Kind == TextTokens.Byte ? ((char)Symbols[id]).ToString() : new Rune(Symbols[id]).ToString();
}
