namespace Tessera.Federation.Codecs;

/// <summary>
/// Top-k sparsification: keep the k entries of largest magnitude, drop the rest. The dropped
/// mass is the client's to keep as error-feedback residual; this codec is stateless.
/// </summary>
public sealed class TopKCodec : IUpdateCodec
{
    public TopKCodec(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        K = k;
    }

    public int K { get; }

    public EncodedVector Encode(ReadOnlySpan<float> values)
    {
        int k = Math.Min(K, values.Length);
        // Min-heap of the best k so far: O(n log k) time, O(k) extra memory.
        var heap = new PriorityQueue<int, float>(k + 1);
        for (int i = 0; i < values.Length && k > 0; i++)
        {
            float magnitude = MathF.Abs(values[i]);
            if (float.IsNaN(magnitude))
                throw new ArgumentException($"Element {i} is NaN; top-k needs ordered magnitudes.", nameof(values));
            if (heap.Count < k)
                heap.Enqueue(i, magnitude);
            else if (heap.TryPeek(out _, out float smallest) && magnitude > smallest)
                heap.EnqueueDequeue(i, magnitude);
        }

        var indices = new int[heap.Count];
        for (int j = 0; heap.TryDequeue(out int index, out _); j++)
            indices[j] = index;
        Array.Sort(indices); // ascending indices compress and decode sequentially
        var kept = new float[indices.Length];
        for (int j = 0; j < indices.Length; j++)
            kept[j] = values[indices[j]];
        return new SparseVector(values.Length, indices, kept);
    }

    public void DecodeInto(EncodedVector encoded, Span<float> destination)
    {
        var typed = UpdateCodecExtensions.Expect<SparseVector>(encoded, destination);
        if (typed.Indices.Length != typed.Values.Length)
            throw new ArgumentException("Sparse vector has mismatched index and value counts.", nameof(encoded));
        destination.Clear();
        for (int j = 0; j < typed.Indices.Length; j++)
        {
            int index = typed.Indices[j];
            if ((uint)index >= (uint)destination.Length)
                throw new ArgumentException($"Sparse index {index} outside [0, {destination.Length}).", nameof(encoded));
            destination[index] = typed.Values[j];
        }
    }
}
