using System.Text;
using Tessera.Protocol;

namespace Tessera.Protocol.Tests;

public class SafetensorsRejectionTests
{
    private static byte[] Build(string json, int dataBytes) =>
        Build(json, new byte[dataBytes]);

    private static byte[] Build(string json, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        return [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. data];
    }

    private static string Reject(byte[] bytes)
    {
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Read(bytes));
        // The stream reader must agree with the span reader.
        Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Read(new MemoryStream(bytes)));
        return ex.Message;
    }

    private const string OneTensor = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    [Fact]
    public void ValidBaselineIsAccepted() => Assert.Single(SafetensorsFile.Read(Build(OneTensor, 8)).Tensors);

    [Fact]
    public void RejectsFewerThanEightBytes() => Assert.Contains("truncated", Reject([1, 0, 0]));

    [Fact]
    public void RejectsTruncatedData()
    {
        var full = Build(OneTensor, 8);
        Assert.Contains("'a'", Reject(full[..^3]));
    }

    [Fact]
    public void RejectsHeaderLengthLargerThanBuffer()
    {
        var bytes = Build(OneTensor, 8);
        BitConverter.GetBytes((ulong)bytes.Length).CopyTo(bytes, 0);
        Assert.Contains("header length", Reject(bytes));
    }

    [Fact]
    public void RejectsHeaderLongerThanLimit()
    {
        byte[] bytes = [.. BitConverter.GetBytes(200_000_000UL), .. new byte[16]];
        Assert.Contains("limit", Reject(bytes));
    }

    [Fact]
    public void RejectsOverlappingOffsets()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        var msg = Reject(Build(json, 12));
        Assert.Contains("overlaps", msg);
        Assert.Contains("'b'", msg);
    }

    [Fact]
    public void RejectsGapBetweenTensors()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        Assert.Contains("gap", Reject(Build(json, 12)));
    }

    [Fact]
    public void RejectsTrailingUncoveredBytes() => Assert.Contains("trailing", Assert.Throws<SafetensorsFormatException>(
        () => SafetensorsFile.Read(Build(OneTensor, 12))).Message);

    [Fact]
    public void RejectsOffsetsOutsideBuffer()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        var msg = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Read(Build(json, 8))).Message;
        Assert.Contains("outside", msg);
    }

    [Fact]
    public void RejectsByteCountNotMatchingShape()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        var msg = Reject(Build(json, 8));
        Assert.Contains("'a'", msg);
        Assert.Contains("needs 12", msg);
    }

    [Fact]
    public void RejectsUnknownDType()
    {
        var msg = Reject(Build(OneTensor.Replace("F32", "F64"), 8));
        Assert.Contains("F64", msg);
        Assert.Contains("'a'.dtype", msg);
    }

    [Fact]
    public void RejectsNegativeShape()
    {
        var msg = Reject(Build(OneTensor.Replace("[2]", "[-2]"), 8));
        Assert.Contains("'a'.shape", msg);
        Assert.Contains("negative", msg);
    }

    [Fact]
    public void RejectsEndBeforeBegin() =>
        Assert.Contains("before begin", Reject(Build(OneTensor.Replace("[0,8]", "[8,0]"), 8)));

    [Theory]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"a\":5}", "'a': expected an object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "missing field 'data_offsets'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", "unknown field 'x'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "'a'.shape[0]")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "'a'.data_offsets")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", "__metadata__.k")]
    [InlineData("{\"a\":", "invalid JSON")]
    [InlineData("{} junk", "after the JSON")]
    public void RejectsMalformedHeaders(string json, string expected) =>
        Assert.Contains(expected, Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Read(Build(json, 0))).Message);

    [Fact]
    public void RejectsDuplicateTensorNames()
    {
        var json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        Assert.Contains("duplicate", Reject(Build(json, 2)));
    }

    [Fact]
    public void RejectsShapeWhoseElementCountOverflows()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}";
        Assert.Contains("overflow", Reject(Build(json, 8)));
    }
}
