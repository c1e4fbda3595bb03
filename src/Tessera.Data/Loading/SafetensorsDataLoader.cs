using Tessera.Data.Sources;
using Tessera.Protocol;

namespace Tessera.Data.Loading;

/// <summary>A data set stored as two tensors of a safetensors file (features, labels), read with the protocol's checked reader.</summary>
public static class SafetensorsDataLoader
{
    public static Dataset Load(ReadOnlySpan<byte> bytes, string name, string featuresKey, string labelsKey, DatasetLabelKind kind)
    {
        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Read(bytes);
        }
        // The protocol reader reports most faults as SafetensorsFormatException, but a header that is not UTF-8
        // or not JSON surfaces as the JSON layer's exceptions.
        catch (Exception ex) when (ex is SafetensorsFormatException or InvalidOperationException or System.Text.Json.JsonException
            or ArgumentException or OverflowException or FormatException)
        {
            throw new DatasetFormatException($"{name}: not a valid safetensors file: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
        return ArrayDataset.Build(Get(file, name, featuresKey), Get(file, name, labelsKey), kind);
    }

    public static Dataset Load(string path, string featuresKey, string labelsKey, DatasetLabelKind kind) =>
        Load(File.ReadAllBytes(path), path, featuresKey, labelsKey, kind);

    private static NumericArray Get(SafetensorsFile file, string name, string key)
    {
        if (!file.TryGet(key, out var t))
            throw new DatasetFormatException(
                $"{name}: has no tensor {MessageText.Quote(key)} (it holds {string.Join(", ", file.Tensors.Select(x => MessageText.Quote(x.Name)).DefaultIfEmpty("nothing"))})");
        string label = $"{name}: {key}";
        long[] shape = t.Shape.ToArray();
        bool integer = t.DType is SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.I32 or SafetensorsDType.I64 or SafetensorsDType.BOOL;
        return integer ? new NumericArray(label, shape, null, t.ToInt64Array()) : new NumericArray(label, shape, t.ToFloatArray(), null);
    }
}
