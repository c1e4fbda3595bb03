namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>Base of what secure aggregation throws on purpose; anything else escaping it is a bug.</summary>
public abstract class SecAggException(string message) : Exception(message);

/// <summary>
/// A stage message (or request) refused: wrong stage, unknown or repeated sender, wrong counts or lengths, values out
/// of range. The refusing party changed nothing; the round can go on without that message.
/// </summary>
public sealed class SecAggProtocolException(string message) : SecAggException(message);

/// <summary>
/// The round cannot finish correctly (too few live neighbours, shares that disagree, a rebuilt secret that fails its
/// commitment): it stops with this reason rather than return a wrong sum, and the caller re-runs the round.
/// </summary>
public sealed class SecAggAbortedException(string reason) : SecAggException(reason)
{
    public string Reason { get; } = reason;
}
