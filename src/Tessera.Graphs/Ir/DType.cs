namespace Tessera.Graphs;

/// <summary>Element types, numbered as ONNX's TensorProto.DataType so they cross the wire unchanged.</summary>
public enum DType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    BFloat16 = 16,
}

public static class DTypeExtensions
{
    public static int SizeInBytes(this DType t) => t switch
    {
        DType.Float or DType.Int32 => 4,
        DType.Int64 or DType.Double => 8,
        DType.UInt8 or DType.Int8 or DType.Bool => 1,
        DType.Float16 or DType.BFloat16 => 2,
        _ => throw new NotSupportedException($"element type {t} has no fixed size"),
    };
}
