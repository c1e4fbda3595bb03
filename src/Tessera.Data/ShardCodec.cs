using System.Globalization;
using Tessera.Protocol;

namespace Tessera.Data;

/// <summary>
/// A data set (or a client's part of one) as safetensors bytes, the form in which shards travel to clients:
/// "x" F32 [n, ...sampleShape]; "y" I64 [n, ...labelShape] for class labels ([n] for one label per sample, so
/// such shards are unchanged from before label shapes existed); "t" F32 [n, ...targetShape] for regression targets. Metadata records the format, sample shape and class count so a decoder can cross-check.
/// </summary>
public static class ShardCodec
{
    public const string Format = "tessera.shard.v1";
    public const string FormatKey = "format";
    public const string SampleShapeKey = "sample_shape";
    public const string ClassCountKey = "class_count";

    public static byte[] Encode(Dataset data, int[]? indices = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var shard = indices is null ? data : data.Select(indices);
        long n = shard.Count;
        var tensors = new List<NamedTensor>
        {
            NamedTensor.FromFloats("x", [n, .. shard.SampleShape.Select(d => (long)d)], shard.Features),
        };
        if (shard.Labels is not null)
            tensors.Add(NamedTensor.FromInt64s("y", [n, .. shard.LabelShape.Select(d => (long)d)], shard.Labels));
        if (shard.Targets is not null)
            tensors.Add(NamedTensor.FromFloats("t", [n, .. shard.TargetShape.Select(d => (long)d)], shard.Targets));
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = Format,
            [SampleShapeKey] = string.Join(",", shard.SampleShape),
            [ClassCountKey] = shard.ClassCount.ToString(CultureInfo.InvariantCulture),
        };
        return new SafetensorsFile(tensors, metadata).ToBytes();
    }

    /// <summary>Decodes and validates a shard; throws <see cref="SafetensorsFormatException"/> on any inconsistency.</summary>
    public static Dataset Decode(ReadOnlySpan<byte> bytes)
    {
        var file = SafetensorsFile.Read(bytes);
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != Format)
            throw new SafetensorsFormatException($"shard: metadata '{FormatKey}' is '{format}', expected '{Format}'");

        var x = Require(file, "x", SafetensorsDType.F32);
        if (x.Shape.Count < 2)
            throw new SafetensorsFormatException($"shard: tensor 'x' has rank {x.Shape.Count}, needs [n, ...sampleShape]");
        long n = x.Shape[0];
        int[] sampleShape = ParseShape(file.Metadata, SampleShapeKey);
        if (!x.Shape.Skip(1).SequenceEqual(sampleShape.Select(d => (long)d)))
            throw new SafetensorsFormatException(
                $"shard: tensor 'x' shape [{string.Join(",", x.Shape)}] disagrees with {SampleShapeKey} [{string.Join(",", sampleShape)}]");
        if (!file.Metadata.TryGetValue(ClassCountKey, out var cc) ||
            !int.TryParse(cc, NumberStyles.None, CultureInfo.InvariantCulture, out int classCount))
            throw new SafetensorsFormatException($"shard: metadata '{ClassCountKey}' is missing or not a non-negative integer");

        long[]? labels = null;
        int[]? labelShape = null;
        if (file.TryGet("y", out _))
        {
            var y = Require(file, "y", SafetensorsDType.I64);
            if (y.Shape.Count < 1 || y.Shape[0] != n || y.Shape.Skip(1).Any(d => d <= 0 || d > int.MaxValue))
                throw new SafetensorsFormatException($"shard: tensor 'y' shape [{string.Join(",", y.Shape)}], expected [{n}, ...labelShape]");
            labels = y.ToInt64Array();
            labelShape = y.Shape.Skip(1).Select(d => (int)d).ToArray();
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] < 0 || labels[i] >= classCount)
                    throw new SafetensorsFormatException($"shard: tensor 'y'[{i}] = {labels[i]} is outside [0, {classCount})");
        }
        float[]? targets = null;
        int[]? targetShape = null;
        if (file.TryGet("t", out _))
        {
            var t = Require(file, "t", SafetensorsDType.F32);
            if (t.Shape.Count < 2 || t.Shape[0] != n || t.Shape.Skip(1).Any(d => d <= 0 || d > int.MaxValue))
                throw new SafetensorsFormatException($"shard: tensor 't' shape [{string.Join(",", t.Shape)}], expected [{n}, ...targetShape]");
            targets = t.ToFloatArray();
            targetShape = t.Shape.Skip(1).Select(d => (int)d).ToArray();
        }
        if (labels is null && targets is null)
            throw new SafetensorsFormatException("shard: neither labels 'y' nor targets 't' present");
        if (labels is null && classCount != 0)
            throw new SafetensorsFormatException($"shard: {ClassCountKey} {classCount} given but there are no labels");
        try
        {
            return new Dataset(x.ToFloatArray(), sampleShape, labels, classCount, targets, targetShape, labelShape);
        }
        catch (ArgumentException ex)
        {
            throw new SafetensorsFormatException($"shard: inconsistent contents ({ex.Message})", ex);
        }
    }

    private static NamedTensor Require(SafetensorsFile file, string name, SafetensorsDType dtype)
    {
        if (!file.TryGet(name, out var t))
            throw new SafetensorsFormatException($"shard: tensor '{name}' is missing");
        if (t.DType != dtype)
            throw new SafetensorsFormatException($"shard: tensor '{name}' is {t.DType.ToHeaderName()}, expected {dtype.ToHeaderName()}");
        return t;
    }

    private static int[] ParseShape(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var text) || text.Length == 0)
            throw new SafetensorsFormatException($"shard: metadata '{key}' is missing");
        var parts = text.Split(',');
        var dims = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] <= 0)
                throw new SafetensorsFormatException($"shard: metadata '{key}' = '{text}' is not a list of positive integers");
        return dims;
    }
}
