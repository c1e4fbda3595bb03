using System.Numerics.Tensors;

namespace Tessera.Federation;

/// <summary>
/// Checks an upload before it is folded. One bad client must not poison the global model,
/// and a NaN folded into a running sum cannot be taken out again.
/// </summary>
public static class UpdateValidator
{
    public static void Validate(ClientUpdate update, int modelLength, bool requireControlVariate = false)
    {
        ArgumentNullException.ThrowIfNull(update);
        string id = update.ClientId ?? "";
        if (id.Length == 0)
            throw new InvalidUpdateException(id, "client id is empty.");
        if (update.Delta is null)
            throw new InvalidUpdateException(id, "delta is missing.");
        if (update.Delta.Length != modelLength)
            throw new InvalidUpdateException(id, $"delta has {update.Delta.Length} elements but the model has {modelLength}.");
        if (update.SampleCount <= 0)
            throw new InvalidUpdateException(id, $"sample count must be positive, got {update.SampleCount}.");
        if (update.LocalSteps <= 0)
            throw new InvalidUpdateException(id, $"local steps must be positive, got {update.LocalSteps}.");
        RequireFinite(update.Delta, id, "delta");

        if (update.ControlVariateDelta is { } dc)
        {
            if (dc.Length != modelLength)
                throw new InvalidUpdateException(id, $"control variate delta has {dc.Length} elements but the model has {modelLength}.");
            RequireFinite(dc, id, "control variate delta");
        }
        else if (requireControlVariate)
        {
            throw new InvalidUpdateException(id, "this strategy (SCAFFOLD) needs a control variate delta.");
        }
    }

    /// <summary>Vectorized all-finite test; the slow scan only runs to name the culprit.</summary>
    public static void RequireFinite(ReadOnlySpan<float> values, string clientId, string what)
    {
        if (TensorPrimitives.IsFiniteAll(values))
            return;
        int i = 0;
        while (float.IsFinite(values[i]))
            i++;
        throw new InvalidUpdateException(clientId, $"{what} element {i} is {values[i]} (NaN/Infinity not allowed).");
    }
}
