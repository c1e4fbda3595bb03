namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>Bytes one client sent and received in a round: the fields' raw sizes (4 per integer and list count, a byte field's length).</summary>
public readonly record struct SecAggTraffic(long Up, long Down)
{
    public long Total => Up + Down;
}

/// <summary>
/// A simulated round: its result, or why it failed; each client's traffic and compute time; the server's compute time.
/// </summary>
public sealed record SecAggRun(
    SecAggResult? Result,
    string? Failure,
    IReadOnlyDictionary<int, SecAggTraffic> Traffic,
    IReadOnlyDictionary<int, TimeSpan> ClientTime,
    TimeSpan ServerTime);
