namespace Tessera.Data.Sources;

/// <summary>How plain text becomes token ids.</summary>
public enum TextTokens
{
    /// <summary>Unicode characters; the vocabulary is the distinct characters of the text, sorted by code point.</summary>
    Char,
    /// <summary>UTF-8 bytes; the vocabulary is all 256 byte values.</summary>
    Byte,
    /// <summary>
    /// A fixed 96-token vocabulary, newline then printable ASCII (space to '~'), so token ids do not depend on
    /// which characters a text happens to use (the zoo's character transformer has 96). Other characters are refused.
    /// </summary>
    Ascii,
}
