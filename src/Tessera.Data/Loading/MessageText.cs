using System.Text;

namespace Tessera.Data.Loading;

/// <summary>Text from a user's file quoted in an error message: control characters escaped and length capped, so a message stays one readable line.</summary>
internal static class MessageText
{
    public static string Quote(string text, int max = 60)
    {
        var sb = new StringBuilder("'");
        foreach (char c in text.Length > max ? text[..max] : text)
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
        return sb.Append(text.Length > max ? "...'" : "'").ToString();
    }
}
