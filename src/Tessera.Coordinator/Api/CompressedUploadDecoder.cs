using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Tessera.Federation;
using Tessera.Federation.Codecs;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Validates and decodes an int8 or top-k update (see <see cref="UploadEncoding"/>) straight from the body's
/// buffers into the dense delta that is folded: no per-tensor intermediate arrays. Everything an untrusted worker
/// could get wrong is checked before the first element is written to the result: names, dtypes, shapes, scale
/// counts, k against the job's bound, index range and order (so no duplicates), finite scales and values.
/// Throws <see cref="UploadRejectedException"/> (400) naming the tensor at fault.
/// </summary>
public static class CompressedUploadDecoder
{
    /// <summary>The file must say it is in the job's encoding (absent means f32), so a mismatch is named as such.</summary>
    public static void RequireEncoding(SafetensorsFile file, UploadEncoding? encoding)
    {
        string expected = encoding?.Codec ?? UploadEncoding.F32;
        string actual = file.Metadata.TryGetValue(UploadEncoding.MetadataKey, out var e) ? e : UploadEncoding.F32;
        if (actual != expected)
            throw Bad($"metadata 'encoding' is '{actual}' but this job's upload.codec is '{expected}'");
    }

    /// <summary>Largest body accepted for one update of this model in this encoding (+1 MB for header and metadata).</summary>
    public static long MaxBodyBytes(ParameterSet template, UploadEncoding? encoding)
    {
        long payload = encoding?.Codec switch
        {
            UploadEncoding.Int8 => template.Tensors.Sum(t => t.Count + 4L * UploadEncoding.BlocksFor(t.Count, encoding.BlockSize)),
            UploadEncoding.TopK => template.Tensors.Sum(t => 8L * UploadEncoding.KFor(t.Count, encoding.Fraction)),
            UploadEncoding.Fp16 or UploadEncoding.Bf16 => template.Count * 2,
            _ => template.Count * 4,
        };
        return payload + (1 << 20);
    }

    public static void DecodeInto(SafetensorsFile file, ParameterSet template, UploadEncoding encoding, Span<float> flat, string workerId)
    {
        RequireEncoding(file, encoding);
        bool int8 = encoding.Codec == UploadEncoding.Int8;
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in template.Tensors)
        {
            if (int8) { expected.Add(p.Name); expected.Add(p.Name + UploadEncoding.ScalesSuffix); }
            else { expected.Add(p.Name + UploadEncoding.IndicesSuffix); expected.Add(p.Name + UploadEncoding.ValuesSuffix); }
        }
        foreach (var t in file.Tensors)
            if (!expected.Contains(t.Name))
                throw Bad($"unexpected tensor '{t.Name}' in a {encoding.Codec} update; expected {string.Join(", ", expected.Take(4))}{(expected.Count > 4 ? ", ..." : "")}");

        int offset = 0;
        foreach (var p in template.Tensors)
        {
            var target = flat.Slice(offset, (int)p.Count);
            if (int8) DecodeInt8(file, p, encoding.BlockSize, UploadEncoding.MaxCode(encoding.Bits), target);
            else DecodeTopK(file, p, encoding.Fraction, target);
            // A finite scale times 127 can still overflow; the folded delta itself must be finite.
            try { UpdateValidator.RequireFinite(target, workerId, $"tensor '{p.Name}' (decoded)"); }
            catch (InvalidUpdateException e) { throw Bad(e.Message); }
            offset += target.Length;
        }
    }

    static void DecodeInt8(SafetensorsFile file, Graphs.Training.NamedTensor p, int blockSize, int maxCode, Span<float> target)
    {
        var values = Require(file, p.Name);
        if (values.DType != SafetensorsDType.I8)
            throw Bad($"tensor '{p.Name}' is {values.DType.ToHeaderName()}; int8 updates must be I8");
        if (!values.Shape.SequenceEqual(p.Shape))
            throw Bad($"tensor '{p.Name}' has shape [{string.Join(",", values.Shape)}], expected {Shapes.Format(p.Shape)}");
        var scalesName = p.Name + UploadEncoding.ScalesSuffix;
        var scales = Require(file, scalesName);
        int blocks = UploadEncoding.BlocksFor(p.Count, blockSize);
        if (scales.DType != SafetensorsDType.F32)
            throw Bad($"tensor '{scalesName}' is {scales.DType.ToHeaderName()}; scales must be F32");
        if (scales.Shape.Count != 1 || scales.Shape[0] != blocks)
            throw Bad($"tensor '{scalesName}' has shape [{string.Join(",", scales.Shape)}], expected [{blocks}] (upload.block_size {blockSize})");
        var s = Floats(scales);
        RequireFinite(s, scalesName, "scale");
        var codes = MemoryMarshal.Cast<byte, sbyte>(values.Data.Span);
        // Codes past the job's upload.bits would carry more precision than the job pays for (or a stray -128).
        if (maxCode < 127 || codes.Contains(sbyte.MinValue))
            for (int i = 0; i < codes.Length; i++)
                if (Math.Abs((int)codes[i]) > maxCode)
                    throw Bad($"tensor '{p.Name}' code {i} is {codes[i]}; upload.bits allows codes in ±{maxCode}");
        Int8Codec.DecodeBlocks(codes, s, UploadEncoding.ChunkFor(p.Count, blockSize), target);
    }

    static void DecodeTopK(SafetensorsFile file, Graphs.Training.NamedTensor p, double fraction, Span<float> target)
    {
        string indicesName = p.Name + UploadEncoding.IndicesSuffix, valuesName = p.Name + UploadEncoding.ValuesSuffix;
        var indices = Require(file, indicesName);
        var values = Require(file, valuesName);
        if (indices.DType != SafetensorsDType.I32)
            throw Bad($"tensor '{indicesName}' is {indices.DType.ToHeaderName()}; top-k indices must be I32");
        if (values.DType != SafetensorsDType.F32)
            throw Bad($"tensor '{valuesName}' is {values.DType.ToHeaderName()}; top-k values must be F32");
        if (indices.Shape.Count != 1 || values.Shape.Count != 1)
            throw Bad($"tensors '{indicesName}' and '{valuesName}' must be one-dimensional");
        long k = indices.Shape[0];
        if (values.Shape[0] != k)
            throw Bad($"tensor '{valuesName}' has {values.Shape[0]} entries but '{indicesName}' has {k}");
        int bound = UploadEncoding.KFor(p.Count, fraction);
        if (k > bound)
            throw Bad($"tensor '{indicesName}' has k = {k} entries; upload.fraction {fraction} allows at most {bound} of the {p.Count} in '{p.Name}'");

        var idx = Ints(indices);
        var val = Floats(values);
        RequireFinite(val, valuesName, "value");
        int previous = -1;
        for (int j = 0; j < idx.Length; j++)
        {
            int i = idx[j];
            if ((uint)i >= (uint)p.Count)
                throw Bad($"tensor '{indicesName}' entry {j}: index {i} is out of range [0, {p.Count}) for '{p.Name}'");
            if (i == previous) throw Bad($"tensor '{indicesName}' entry {j}: duplicate index {i}");
            if (i < previous) throw Bad($"tensor '{indicesName}' entry {j}: indices must be ascending ({i} after {previous})");
            previous = i;
        }
        target.Clear();
        for (int j = 0; j < idx.Length; j++) target[idx[j]] = val[j];
    }

    static Protocol.NamedTensor Require(SafetensorsFile file, string name) =>
        file.TryGet(name, out var t) ? t : throw Bad($"missing tensor '{name}'");

    // The wire is little-endian; on such hosts the bytes are read in place, elsewhere they are swapped into a copy.
    static ReadOnlySpan<float> Floats(Protocol.NamedTensor t) =>
        BitConverter.IsLittleEndian ? MemoryMarshal.Cast<byte, float>(t.Data.Span) : t.ToFloatArray();

    static ReadOnlySpan<int> Ints(Protocol.NamedTensor t)
    {
        if (BitConverter.IsLittleEndian) return MemoryMarshal.Cast<byte, int>(t.Data.Span);
        var copy = MemoryMarshal.Cast<byte, int>(t.Data.Span).ToArray();
        for (int i = 0; i < copy.Length; i++) copy[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(copy[i]);
        return copy;
    }

    static void RequireFinite(ReadOnlySpan<float> values, string tensor, string what)
    {
        if (System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(values)) return;
        int i = 0;
        while (float.IsFinite(values[i])) i++;
        throw Bad($"tensor '{tensor}' {what} {i} is {values[i]} (NaN/Infinity not allowed)");
    }

    static UploadRejectedException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
