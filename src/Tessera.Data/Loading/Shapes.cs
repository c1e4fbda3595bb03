namespace Tessera.Data.Loading;

/// <summary>Shape text for messages, in the [3, 32, 32] style.</summary>
internal static class Shapes
{
    public static string Format(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
    public static string Format(IEnumerable<int> shape) => $"[{string.Join(", ", shape)}]";
}
