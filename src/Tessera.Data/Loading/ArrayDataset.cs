using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>
/// Builds a data set from a features array [n, ...sampleShape] and a labels array [n, ...labelShape], as read from
/// npy, npz or safetensors files. Integer labels are classes (class count = largest + 1) unless the kind says
/// float; float labels are regression targets unless the kind says class and every value is a whole number.
/// </summary>
public static class ArrayDataset
{
    public static Dataset Build(NumericArray x, NumericArray y, DatasetLabelKind kind)
    {
        if (x.Shape.Length == 0)
            throw Error(x, "is a scalar; features need shape [n, ...sample shape]");
        long n = x.Shape[0];
        if (y.Shape.Length == 0 || y.Shape[0] != n)
            throw Error(y, $"has shape {Shapes.Format(y.Shape)} but {x.Name} has {n} samples: labels need shape [{n}, ...]");
        if (n == 0)
            throw Error(x, "has no samples");
        int[] sampleShape = x.Shape.Length == 1 ? [1] : ToInts(x, x.Shape[1..]);
        int[] labelShape = ToInts(y, y.Shape[1..]);
        float[] features = x.ToFloats();
        for (long i = 0; i < features.LongLength; i++)
            if (!float.IsFinite(features[i]))
                throw Error(x, $"holds {features[i]} in sample {i / Math.Max(1, features.LongLength / n)}; features must be finite");

        bool classes = kind switch
        {
            DatasetLabelKind.Class => true,
            DatasetLabelKind.Float => false,
            _ => y.IsInteger,
        };
        if (!classes)
        {
            float[] targets = y.ToFloats();
            if (Array.FindIndex(targets, t => !float.IsFinite(t)) is int bad and >= 0)
                throw Error(y, $"holds {targets[bad]} at element {bad}; targets must be finite");
            return Dataset.ForRegression(features, sampleShape, targets, labelShape.Length == 0 ? [1] : labelShape);
        }
        long[] labels = y.Integers ?? ToClasses(y);
        long max = -1;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0)
                throw Error(y, $"holds the class {labels[i]} at element {i}; classes must be non-negative");
            max = Math.Max(max, labels[i]);
        }
        if (max >= int.MaxValue)
            throw Error(y, $"holds the class {max}, too large for a class index");
        return new Dataset(features, sampleShape, labels, (int)max + 1, labelShape: labelShape);
    }

    private static long[] ToClasses(NumericArray y)
    {
        var f = y.Floats!;
        var labels = new long[f.Length];
        for (int i = 0; i < f.Length; i++)
        {
            if (!float.IsFinite(f[i]) || f[i] != MathF.Floor(f[i]) || f[i] >= int.MaxValue)
                throw Error(y, $"holds {f[i]} at element {i}, which is not a class index");
            labels[i] = (long)f[i];
        }
        return labels;
    }

    private static int[] ToInts(NumericArray a, long[] dims)
    {
        if (dims.Any(d => d <= 0 || d > int.MaxValue))
            throw Error(a, $"has shape {Shapes.Format(a.Shape)}; every dimension after the first must be positive");
        return dims.Select(d => (int)d).ToArray();
    }

    private static DatasetFormatException Error(NumericArray a, string what) => new($"{a.Name} {what}");
}
