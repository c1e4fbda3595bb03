namespace Tessera.Federation;

/// <summary>
/// The server's view after some number of applied rounds: weights, a version that increments
/// with every server step (clients report it back so staleness can be measured), and the
/// strategy's optimizer state. Treat the arrays as read-only; Apply returns fresh ones.
/// </summary>
public sealed record GlobalModel(float[] Weights, long Version, ServerState State)
{
    public static GlobalModel Initial(float[] weights) => new((float[])weights.Clone(), 0, ServerState.Empty);

    public int Length => Weights.Length;
}
