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
    private bool _taken;

    public WeightedSum(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _sum = new float[length];
    }

    public int Length => _sum.Length;

    public int Count { get; private set; }

    public double TotalWeight { get; private set; }

    public ReadOnlySpan<float> Sum => Live();

    /// <summary>acc += weight·x, one fused SIMD pass.</summary>
    public void Add(ReadOnlySpan<float> x, double weight)
    {
        if (x.Length != _sum.Length)
            throw new ArgumentException($"Expected {_sum.Length} elements, got {x.Length}.", nameof(x));
        TensorPrimitives.MultiplyAdd(x, (float)weight, Live(), _sum);
        TotalWeight += weight;
        Count++;
    }

    /// <summary>Adds another accumulator's already-weighted sum (e.g. a partial from another node).</summary>
    public void AddSum(ReadOnlySpan<float> weightedSum, double totalWeight, int count)
    {
        if (weightedSum.Length != _sum.Length)
            throw new ArgumentException($"Expected {_sum.Length} elements, got {weightedSum.Length}.", nameof(weightedSum));
        TensorPrimitives.Add(Live(), weightedSum, _sum);
        TotalWeight += totalWeight;
        Count += count;
    }

    /// <summary>A fresh copy of the sum times <paramref name="scale"/>.</summary>
    public float[] Scaled(double scale)
    {
        var result = new float[_sum.Length];
        TensorPrimitives.Multiply(Live(), (float)scale, result);
        return result;
    }

    /// <summary>
    /// The sum times <paramref name="scale"/>, scaled in place and handed over: the caller owns the array and this
    /// accumulator is done (a finished round's, whose result would otherwise be one more model-sized copy).
    /// </summary>
    public float[] TakeScaled(double scale)
    {
        Live();
        if (scale != 1.0) TensorPrimitives.Multiply(_sum, (float)scale, _sum);
        _taken = true;
        return _sum;
    }

    /// <summary>Σ w_i·x_i / Σ w_i.</summary>
    public float[] Mean() => Scaled(MeanScale());

    /// <summary><see cref="Mean"/>, handed over as <see cref="TakeScaled"/> is.</summary>
    public float[] TakeMean() => TakeScaled(MeanScale());

    private double MeanScale() =>
        Count == 0 || TotalWeight <= 0 ? throw new InvalidOperationException("Mean of an empty weighted sum.") : 1.0 / TotalWeight;

    public void Clear()
    {
        Array.Clear(Live());
        TotalWeight = 0;
        Count = 0;
    }

    private float[] Live() => _taken ? throw new InvalidOperationException("The sum was handed over (TakeScaled); this accumulator is done.") : _sum;
}
