using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>
/// Reads NumPy .npy bytes: the magic "\x93NUMPY", version 1.0, 2.0 or 3.0, a little-endian header length, a
/// Python dict literal with 'descr', 'fortran_order' and 'shape', then the raw elements in C order.
/// Element types: float (f2, f4, f8), signed and unsigned integers of 1 to 8 bytes, and booleans (b1), either
/// byte order. Every failure is a <see cref="DatasetFormatException"/> naming the file.
/// </summary>
public static class NpyReader
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NumericArray Read(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw Error(name, "not a NumPy .npy file (no \\x93NUMPY magic)");
        byte major = bytes[6];
        int prefix = major == 1 ? 10 : 12;
        if (major is not (1 or 2 or 3))
            throw Error(name, $"npy version {major}.{bytes[7]} is not supported (1.0, 2.0 and 3.0 are)");
        if (bytes.Length < prefix)
            throw Error(name, "truncated npy header");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (headerLength > bytes.Length - prefix)
            throw Error(name, $"npy header of {headerLength} bytes is longer than the file");
        string header;
        try
        {
            header = (major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1).GetString(bytes.Slice(prefix, (int)headerLength));
        }
        catch (DecoderFallbackException)
        {
            throw Error(name, "npy header is not valid UTF-8");
        }
        var (descr, fortran, shape) = ParseHeader(header, name);
        if (fortran)
            throw Error(name, "fortran_order True is not supported: save the array in C order (np.ascontiguousarray)");
        var type = ElementType.Parse(descr, name);
        long count = 1;
        foreach (long d in shape)
        {
            count *= d;
            if (count > Array.MaxLength)
                throw Error(name, $"shape ({string.Join(", ", shape)}) has too many elements to load");
        }
        var data = bytes[(prefix + (int)headerLength)..];
        if (data.Length != count * type.Size)
            throw Error(name, $"shape ({string.Join(", ", shape)}) of {descr} needs {count * type.Size} data bytes but the file has {data.Length}");
        return type.Decode(data, (int)count, shape, name);
    }

    internal static DatasetFormatException Error(string name, string what) => new($"{name}: {what}");

    /// <summary>Parses the header dict: string keys; string, boolean and int-tuple values.</summary>
    private static (string Descr, bool Fortran, long[] Shape) ParseHeader(string header, string name)
    {
        var p = new DictParser(header, name);
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        p.Expect('{');
        while (!p.TryConsume('}'))
        {
            string key = p.ReadString();
            p.Expect(':');
            switch (key)
            {
                case "descr": descr = p.ReadString(); break;
                case "fortran_order": fortran = p.ReadBool(); break;
                case "shape": shape = p.ReadTuple(); break;
                default: throw Error(name, $"npy header has an unknown key {MessageText.Quote(key)}");
            }
            if (!p.TryConsume(','))
            {
                p.Expect('}');
                break;
            }
        }
        if (descr is null || fortran is null || shape is null)
            throw Error(name, "npy header lacks 'descr', 'fortran_order' or 'shape'");
        return (descr, fortran.Value, shape);
    }

    private sealed class DictParser(string text, string name)
    {
        private int _at;

        private void SkipSpace() { while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++; }

        public bool TryConsume(char c)
        {
            SkipSpace();
            if (_at < text.Length && text[_at] == c) { _at++; return true; }
            return false;
        }

        public void Expect(char c)
        {
            if (!TryConsume(c))
                throw Error(name, $"npy header is malformed: expected '{c}' at character {_at}");
        }

        public string ReadString()
        {
            SkipSpace();
            char quote = _at < text.Length ? text[_at] : '\0';
            if (quote is not ('\'' or '"'))
                throw Error(name, $"npy header is malformed: expected a string at character {_at}");
            int end = text.IndexOf(quote, _at + 1);
            if (end < 0)
                throw Error(name, "npy header is malformed: unterminated string");
            string s = text[(_at + 1)..end];
            _at = end + 1;
            return s;
        }

        public bool ReadBool()
        {
            SkipSpace();
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
                if (string.CompareOrdinal(text, _at, word, 0, word.Length) == 0) { _at += word.Length; return value; }
            throw Error(name, $"npy header is malformed: expected True or False at character {_at}");
        }

        public long[] ReadTuple()
        {
            Expect('(');
            var dims = new List<long>();
            while (!TryConsume(')'))
            {
                SkipSpace();
                int start = _at;
                while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
                if (!long.TryParse(text.AsSpan(start, _at - start), NumberStyles.None, CultureInfo.InvariantCulture, out long d) || d > int.MaxValue)
                    throw Error(name, $"npy header is malformed: shape needs non-negative integers (character {start})");
                dims.Add(d);
                if (!TryConsume(','))
                {
                    Expect(')');
                    break;
                }
            }
            return dims.ToArray();
        }
    }
}
