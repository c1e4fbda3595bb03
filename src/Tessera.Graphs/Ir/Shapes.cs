namespace Tessera.Graphs;

/// <summary>Shape arithmetic. A dimension of -1 is unknown (symbolic) and is never treated as 1.</summary>
public static class Shapes
{
    public static long Numel(IReadOnlyList<long> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new InvalidOperationException($"shape {Format(shape)} is not fully known");
            n *= d;
        }
        return n;
    }

    public static string Format(IReadOnlyList<long> shape) => "[" + string.Join(",", shape) + "]";

    /// <summary>Normalizes a possibly negative axis against a rank.</summary>
    public static int Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    /// <summary>Numpy-style broadcast of two shapes.</summary>
    public static long[] Broadcast(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        int r = Math.Max(a.Count, b.Count);
        var result = new long[r];
        for (int i = 0; i < r; i++)
        {
            long da = i - (r - a.Count) >= 0 ? a[i - (r - a.Count)] : 1;
            long db = i - (r - b.Count) >= 0 ? b[i - (r - b.Count)] : 1;
            if (da == 1) result[i] = db;
            else if (db == 1 || da == db) result[i] = da;
            else if (da < 0 || db < 0) result[i] = Math.Max(da, db);
            else throw new InvalidOperationException($"shapes {Format(a)} and {Format(b)} do not broadcast");
        }
        return result;
    }

    /// <summary>Axes of <paramref name="output"/> along which an operand of shape <paramref name="input"/> was broadcast.</summary>
    public static long[] BroadcastAxes(IReadOnlyList<long> input, IReadOnlyList<long> output)
    {
        var axes = new List<long>();
        int offset = output.Count - input.Count;
        for (int i = 0; i < output.Count; i++)
        {
            int j = i - offset;
            if (j < 0 || (input[j] == 1 && output[i] != 1)) axes.Add(i);
        }
        return axes.ToArray();
    }

    public static bool Same(IReadOnlyList<long> a, IReadOnlyList<long> b) => a.SequenceEqual(b);
}
