using Tessera.Data.Loading;

namespace Tessera.Data.Sources;

/// <summary>
/// Fits a data set's sample shape to a model's input. Views that only flatten ([28, 28] for [784]) or add or
/// drop size-1 axes ([28, 28] for [1, 28, 28]) are taken, since row-major values are the same; anything else
/// (a transposed [32, 32, 3] for [3, 32, 32]) is a mismatch, never a silent reinterpretation.
/// A dimension of 0 or less in the expected shape matches any size.
/// </summary>
public static class SampleShapeFit
{
    public static Dataset Fit(Dataset data, IReadOnlyList<long>? expected, string file, string field)
    {
        if (expected is null) return data;
        var actual = data.SampleShape.Select(d => (long)d).ToArray();
        if (Matches(actual, expected)) return data;
        bool fixedShape = expected.All(d => d > 0);
        long expectedSize = fixedShape ? expected.Aggregate(1L, (a, d) => a * d) : -1;
        if (fixedShape && expectedSize == data.SampleSize && (expected.Count == 1 || actual.Where(d => d != 1).SequenceEqual(expected.Where(d => d != 1))))
            return data.WithSampleShape(expected.Select(d => (int)d).ToArray());
        throw new DatasetFormatException($"{file}: {field} has sample shape {Shapes.Format(actual)} but the model takes {Shapes.Format(expected)}");
    }

    private static bool Matches(long[] actual, IReadOnlyList<long> expected) =>
        actual.Length == expected.Count && actual.Zip(expected).All(p => p.Second <= 0 || p.First == p.Second);
}
