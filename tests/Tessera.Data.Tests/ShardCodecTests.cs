using Tessera.Protocol;

namespace Tessera.Data.Tests;

public class ShardCodecTests
{
    [Fact]
    public void ClassificationShardRoundTrips()
    {
        var data = Dataset.ForClassification(Enumerable.Range(0, 24).Select(i => i / 10f).ToArray(), [1, 2, 3], [0, 3, 1, 3], 4);
        var back = ShardCodec.Decode(ShardCodec.Encode(data));
        Assert.Equal(data.Features, back.Features);
        Assert.Equal(data.Labels, back.Labels);
        Assert.Equal([1, 2, 3], back.SampleShape);
        Assert.Equal(4, back.ClassCount);
    }

    [Fact]
    public void SubsetShardHoldsOnlyThoseSamples()
    {
        var data = SyntheticData.GaussianBlobs(20, 2, 3, seed: 1);
        var back = ShardCodec.Decode(ShardCodec.Encode(data, [5, 7]));
        Assert.Equal(2, back.Count);
        Assert.Equal(data.Sample(7).ToArray(), back.Sample(1).ToArray());
        Assert.Equal([data.Labels![5], data.Labels[7]], back.Labels!);
    }

    [Fact]
    public void ShardTensorsFollowTheDocumentedLayout()
    {
        var data = SyntheticData.GaussianBlobs(5, 3, 4, seed: 2);
        var file = SafetensorsFile.Read(ShardCodec.Encode(data));
        Assert.Equal([5L, 4], file["x"].Shape);
        Assert.Equal(SafetensorsDType.F32, file["x"].DType);
        Assert.Equal([5L], file["y"].Shape);
        Assert.Equal(SafetensorsDType.I64, file["y"].DType);
        Assert.Equal("3", file.Metadata[ShardCodec.ClassCountKey]);
        Assert.Equal("4", file.Metadata[ShardCodec.SampleShapeKey]);
    }

    [Fact]
    public void RegressionShardRoundTrips()
    {
        var set = SyntheticData.LinearRegression(6, 2, seed: 3);
        var back = ShardCodec.Decode(ShardCodec.Encode(set.Data));
        Assert.Null(back.Labels);
        Assert.Equal(set.Data.Targets, back.Targets);
        Assert.Equal([1], back.TargetShape);
    }

    [Fact]
    public void EncodingIsDeterministic()
    {
        var data = SyntheticData.GaussianBlobs(8, 2, 2, seed: 4);
        Assert.Equal(ShardCodec.Encode(data), ShardCodec.Encode(data));
    }

    private static byte[] Forge(IEnumerable<NamedTensor> tensors, Dictionary<string, string> metadata) =>
        new SafetensorsFile(tensors, metadata).ToBytes();

    private static Dictionary<string, string> Meta(string shape = "2", string classes = "3") => new()
    {
        [ShardCodec.FormatKey] = ShardCodec.Format,
        [ShardCodec.SampleShapeKey] = shape,
        [ShardCodec.ClassCountKey] = classes,
    };

    [Fact]
    public void RejectsInconsistentShards()
    {
        var x = NamedTensor.FromFloats("x", [2, 2], [1, 2, 3, 4]);
        var y = NamedTensor.FromInt64s("y", [2], [0, 1]);

        string Reject(byte[] bytes) => Assert.Throws<SafetensorsFormatException>(() => ShardCodec.Decode(bytes)).Message;

        Assert.Contains("format", Reject(Forge([x, y], new() { [ShardCodec.SampleShapeKey] = "2", [ShardCodec.ClassCountKey] = "3" })));
        Assert.Contains("'x' is missing", Reject(Forge([y], Meta())));
        Assert.Contains("disagrees", Reject(Forge([x, y], Meta(shape: "4"))));
        Assert.Contains("'y' shape", Reject(Forge([x, NamedTensor.FromInt64s("y", [3], [0, 1, 2])], Meta())));
        Assert.Contains("outside [0, 3)", Reject(Forge([x, NamedTensor.FromInt64s("y", [2], [0, 5])], Meta())));
        Assert.Contains("expected I64", Reject(Forge([x, NamedTensor.FromInt32s("y", [2], [0, 1])], Meta())));
        Assert.Contains("neither", Reject(Forge([x], Meta())));
        Assert.Contains(ShardCodec.ClassCountKey, Reject(Forge([x, y], Meta(classes: "many"))));
    }

    [Fact]
    public void SequenceShardRoundTripsItsLabelShape()
    {
        var data = Dataset.ForSequences([0, 1, 2, 3, 4, 5, 6, 7], 4, [1, 2, 3, 4, 5, 6, 7, 0], 8);
        var bytes = ShardCodec.Encode(data, [1, 0]);
        Assert.Equal([2L, 4], SafetensorsFile.Read(bytes)["y"].Shape);
        var back = ShardCodec.Decode(bytes);
        Assert.Equal([4], back.LabelShape);
        Assert.Equal([5L, 6, 7, 0, 1, 2, 3, 4], back.Labels!);
        Assert.Equal([4f, 5, 6, 7, 0, 1, 2, 3], back.Features);
    }

    [Fact]
    public void ShardWithOneLabelPerSampleDecodesWithEmptyLabelShape()
    {
        // The layout written before label shapes existed: y is [n].
        var old = Forge([NamedTensor.FromFloats("x", [2, 2], [1, 2, 3, 4]), NamedTensor.FromInt64s("y", [2], [0, 2])], Meta());
        var back = ShardCodec.Decode(old);
        Assert.Equal([], back.LabelShape);
        Assert.Equal([0L, 2], back.Labels!);
    }
}
