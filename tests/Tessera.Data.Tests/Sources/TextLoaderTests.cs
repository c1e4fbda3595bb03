using System.Text;
using Tessera.Data.Loading;
using Tessera.Data.Sources;

namespace Tessera.Data.Tests.Sources;

public class TextLoaderTests
{
    [Fact]
    public void ByteTokensUseAllByteValuesAndDropTheRemainder()
    {
        var (d, v) = TextLoader.Load([5, 6, 7, 200, 9, 10, 11], "t", TextTokens.Byte, 2);
        Assert.Equal(256, v.Count);
        Assert.Equal(256, d.ClassCount);
        Assert.Equal(2, d.Count); // 7 bytes = two windows of 3, one left over
        Assert.Equal([5f, 6, 200, 9], d.Features);
        Assert.Equal([6L, 7, 9, 10], d.Labels!);
    }

    [Fact]
    public void CharTokensAreSortedDistinctCharactersIncludingNonAscii()
    {
        var (d, v) = TextLoader.Load(Encoding.UTF8.GetBytes("éa€éa€"), "t", TextTokens.Char, 2);
        Assert.Equal(["a", "é", "€"], Enumerable.Range(0, v.Count).Select(v.Decode));
        Assert.Equal([1f, 0, 1, 0], d.Features);
        Assert.Equal([0L, 2, 0, 2], d.Labels!);
    }

    [Fact]
    public void AsciiTokensAreFixedAndRefuseOtherCharacters()
    {
        var (d, v) = TextLoader.Load("a\nb"u8.ToArray(), "t", TextTokens.Ascii, 2);
        Assert.Equal(96, v.Count);
        Assert.Equal([1f + 'a' - 32, 0], d.Features);
        Assert.Equal([0L, 1 + 'b' - 32], d.Labels!);
        var ex = Assert.Throws<DatasetFormatException>(() => TextLoader.Load("ab\tc"u8.ToArray(), "t.txt", TextTokens.Ascii, 2));
        Assert.Equal("t.txt: character U+0009 at character 2 is not in the ascii vocabulary", ex.Message);
    }

    [Fact]
    public void TooShortAndInvalidUtf8AreFormatErrors()
    {
        Assert.Equal("t.txt: 3 tokens is shorter than one window of sequence length 3 + 1",
            Assert.Throws<DatasetFormatException>(() => TextLoader.Load("abc"u8.ToArray(), "t.txt", TextTokens.Char, 3)).Message);
        Assert.Equal("t.txt: not valid UTF-8 at byte 1 (use tokens: byte for binary text)",
            Assert.Throws<DatasetFormatException>(() => TextLoader.Load([0x61, 0xFF, 0x61, 0x61], "t.txt", TextTokens.Char, 1)).Message);
    }
}
