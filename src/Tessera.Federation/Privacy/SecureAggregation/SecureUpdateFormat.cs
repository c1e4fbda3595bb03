using System.Numerics.Tensors;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// What a client of a secure round masks, and how the server reads the unmasked sum. With FedNova the update is first
/// scaled by τ_ref/τ (its steps normalized to the round's reference steps). The update is clipped to L2 norm C, scaled by the client's weight w = min(1, samples / cap) (1 when unweighted),
/// quantized over [−range, range], and with distributed DP given its Skellam share of the noise on the quantized
/// words; two integer lanes follow: w in 1/65535ths, and 1 when the update was within C (so the round learns how many
/// were clipped, summed like everything else; always 0 under distributed noise, where that count would leave
/// unnoised). The sum of the lanes gives Σw and the count within the bound; the weighted mean is Σ w·Δ / Σ w.
/// </summary>
public sealed class SecureUpdateFormat
{
    /// <summary>Resolution of the weight lane.</summary>
    public const uint WeightLevels = 65535;
    const int Lanes = 2;

    public SecureUpdateFormat(int modelLength, SecureAggregationTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        ModelLength = modelLength;
        Task = task;
        Quantizer = new SecureQuantizer(task.Range, task.QuantizationBits, task.Parameters.Clients, task.Parameters.Bits);
        if (!(task.NoiseVariance >= 0) || double.IsInfinity(task.NoiseVariance)) throw new ArgumentException($"the noise variance is {task.NoiseVariance}; it must be 0 (none) or positive");
        if (Quantizer.MaxLane < WeightLevels) throw new ArgumentException($"b = {Quantizer.Bits} leaves lanes below {WeightLevels}; use at least 15 quantization bits");
        if (task.ControlScale < 0 || !double.IsFinite(task.ControlScale)) throw new ArgumentException($"the control scale is {task.ControlScale}; it must be 0 (none) or positive");
        if (task.Parameters.Length != Length) throw new ArgumentException($"the round masks {task.Parameters.Length} words; a model of {modelLength} {(HasControls ? "with control variates " : "")}needs {Length}");
    }

    public int ModelLength { get; }
    public SecureAggregationTask Task { get; }
    public SecureQuantizer Quantizer { get; }
    /// <summary>SCAFFOLD: the input carries the control-variate delta after the update.</summary>
    public bool HasControls => Task.ControlScale > 0;
    /// <summary>Distributed DP: each client adds a Skellam share to its words.</summary>
    public bool IsNoised => Task.NoiseVariance > 0;
    /// <summary>Words per input: the coordinates (twice with control variates), then the weight and within-bound lanes.</summary>
    public int Length => LengthFor(ModelLength, HasControls);

    public static int LengthFor(int modelLength, bool controls = false) => (controls ? 2 * modelLength : modelLength) + Lanes;

    /// <summary>
    /// SCAFFOLD: Δc_i as the round counts it, scaled so that s·Δc_i has L2 norm at most C (one client moves c by a
    /// bounded amount, as it moves the model). The client adds this, not its raw Δc_i, to its c_i once the round
    /// counted it, so c stays the mean of the c_i.
    /// </summary>
    public float[] BoundedControl(ReadOnlySpan<float> controlDelta)
    {
        if (!HasControls) throw new InvalidOperationException("this round carries no control variates");
        if (controlDelta.Length != ModelLength) throw new ArgumentException($"the control delta has {controlDelta.Length} values; the model {ModelLength}");
        var x = controlDelta.ToArray();
        TensorPrimitives.Multiply(x, (float)Task.ControlScale, x);
        UpdateClipping.ClipInPlace(x, Task.Clip);
        TensorPrimitives.Multiply(x, (float)(1 / Task.ControlScale), x);
        return x;
    }

    /// <summary>
    /// The client's words from its flat update (not modified) after <paramref name="steps"/> local steps.
    /// <paramref name="noise"/> draws the distributed DP share; <paramref name="controlDelta"/> is SCAFFOLD's Δc_i (required exactly when the round carries control variates).
    /// </summary>
    public uint[] Encode(ReadOnlySpan<float> update, long samples, int steps, Random rounding, Tessera.Data.DeterministicRandom noise, float[]? controlDelta = null)
    {
        if (update.Length != ModelLength) throw new ArgumentException($"the update has {update.Length} values; the model {ModelLength}");
        if (HasControls != controlDelta is not null)
            throw new ArgumentException(HasControls ? "this round masks SCAFFOLD's control delta beside the update; none was given" : "this round carries no control variates");
        var x = update.ToArray();
        if (Task.ReferenceSteps > 0) TensorPrimitives.Multiply(x, (float)(Task.ReferenceSteps / Math.Max(1, steps)), x);
        bool within = UpdateClipping.ClipInPlace(x, Task.Clip);
        uint lane = WeightLane(samples);
        if (lane != WeightLevels) TensorPrimitives.Multiply(x, lane / (float)WeightLevels, x);
        var words = new uint[Length];
        Quantizer.Quantize(x, words, rounding);
        SkellamNoise.AddInPlace(words.AsSpan(0, ModelLength), Task.NoiseVariance, Quantizer.Bits, noise);
        int lanes = ModelLength;
        if (controlDelta is not null)
        {
            var c = BoundedControl(controlDelta);
            TensorPrimitives.Multiply(c, (float)Task.ControlScale, c);
            Quantizer.Quantize(c, words.AsSpan(ModelLength), rounding);
            lanes += ModelLength;
        }
        words[lanes] = lane;
        words[lanes + 1] = within && !IsNoised ? 1u : 0u;
        return words;
    }

    /// <summary>A client's weight min(1, samples / cap) in 1/<see cref="WeightLevels"/>ths, at least 1; all of it when unweighted.</summary>
    public uint WeightLane(long samples) =>
        Task.WeightCap > 0 ? (uint)Math.Clamp(Math.Round(samples / Task.WeightCap * WeightLevels), 1, WeightLevels) : WeightLevels;

    /// <summary>
    /// FedNova's τ_eff / τ_ref over the survivors (their samples and local steps): the unmasked mean of
    /// step-normalized updates times this is FedNova's τ_eff·Σp_i·Δ_i/τ_i, with p_i the clients' weights. 1 when the
    /// round does not normalize steps.
    /// </summary>
    public double StepScale(IEnumerable<(long Samples, int Steps)> survivors)
    {
        if (Task.ReferenceSteps <= 0) return 1;
        double weights = 0, weightedSteps = 0;
        foreach (var (samples, steps) in survivors)
        {
            double w = WeightLane(samples);
            weights += w;
            weightedSteps += w * Math.Max(1, steps);
        }
        return weights > 0 ? weightedSteps / weights / Task.ReferenceSteps : 1;
    }

    /// <summary>
    /// The float sum of <paramref name="inputs"/> clients' (weighted, clipped, noised) updates, Σw and how many were
    /// within C; with control variates also the sum of their bounded Δc_i (null otherwise).
    /// </summary>
    public (float[] Sum, double WeightSum, int WithinBound, float[]? ControlSum) Decode(ReadOnlySpan<uint> sum, int inputs)
    {
        if (sum.Length != Length) throw new ArgumentException($"the sum has {sum.Length} words, not {Length}");
        var values = new float[ModelLength];
        Quantizer.Dequantize(sum, inputs, values);
        float[]? controls = null;
        int lanes = ModelLength;
        if (HasControls)
        {
            controls = new float[ModelLength];
            Quantizer.Dequantize(sum.Slice(ModelLength), inputs, controls);
            TensorPrimitives.Multiply(controls, (float)(1 / Task.ControlScale), controls);
            lanes += ModelLength;
        }
        return (values, sum[lanes] / (double)WeightLevels, (int)sum[lanes + 1], controls);
    }
}
