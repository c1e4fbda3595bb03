using System.Numerics.Tensors;

namespace Tessera.Federation.Strategies;

/// <summary>
/// The client half of SCAFFOLD, shared by the simulator's virtual clients and the workers: after K corrected
/// local steps at learning rate lr, option II of Karimireddy et al. gives
/// c_i⁺ = c_i − c + (x − y_i)/(K·lr) = c_i − c − Δy/(K·lr), and the client reports Δc_i = c_i⁺ − c_i.
/// </summary>
public static class ScaffoldClient
{
    public static (float[] NewControl, float[] ControlDelta) Update(ReadOnlySpan<float> clientControl, ReadOnlySpan<float> serverControl,
        ReadOnlySpan<float> delta, int steps, float learningRate)
    {
        if (clientControl.Length != delta.Length || serverControl.Length != delta.Length)
            throw new ArgumentException($"control variates have {clientControl.Length} and {serverControl.Length} elements, the update {delta.Length}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "must be positive");
        float scale = -1f / (steps * learningRate);
        var next = new float[delta.Length];
        TensorPrimitives.Subtract(clientControl, serverControl, next);
        TensorPrimitives.MultiplyAdd(delta, scale, next, next);
        var dc = new float[delta.Length];
        TensorPrimitives.Subtract(next, clientControl, dc);
        return (next, dc);
    }
}
