using System.Numerics.Tensors;

namespace Tessera.Federation;

/// <summary>
/// Running Σ w_i·x_i over flat buffers. One model-sized accumulator however many vectors are
/// added, which is what lets the server fold uploads as they stream in. Not thread-safe;
/// owners serialize access.
/// </summary>
public sealed class WeightedSum
{
    private readonly float[] _sum;

    public WeightedSum(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _sum = new float[length];
    }

    public int Length => _sum.Length;

    public int Count { get; private set; }

    public double TotalWeight { get; private set; }

    public ReadOnlySpan<float> Sum => _sum;

    /// <summary>acc += weight·x, one fused SIMD pass.</summary>
    public void Add(ReadOnlySpan<float> x, double weight)
    {
        if (x.Length != _sum.Length)
            throw new ArgumentException($"Expected {_sum.Length} elements, got {x.Length}.", nameof(x));
        TensorPrimitives.MultiplyAdd(x, (float)weight, _sum, _sum);
        TotalWeight += weight;
        Count++;
    }

    /// <summary>Adds another accumulator's already-weighted sum (e.g. a partial from another node).</summary>
    public void AddSum(ReadOnlySpan<float> weightedSum, double totalWeight, int count)
    {
        if (weightedSum.Length != _sum.Length)
            throw new ArgumentException($"Expected {_sum.Length} elements, got {weightedSum.Length}.", nameof(weightedSum));
        TensorPrimitives.Add(_sum, weightedSum, _sum);
        TotalWeight += totalWeight;
        Count += count;
    }

    /// <summary>A fresh copy of the sum times <paramref name="scale"/>.</summary>
    public float[] Scaled(double scale)
    {
        var result = new float[_sum.Length];
        TensorPrimitives.Multiply(_sum, (float)scale, result);
        return result;
    }

    /// <summary>Σ w_i·x_i / Σ w_i.</summary>
    public float[] Mean()
    {
        if (Count == 0 || TotalWeight <= 0)
            throw new InvalidOperationException("Mean of an empty weighted sum.");
        return Scaled(1.0 / TotalWeight);
    }

    public void Clear()
    {
        Array.Clear(_sum);
        TotalWeight = 0;
        Count = 0;
    }
}
