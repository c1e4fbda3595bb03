namespace Tessera.Protocol.Jobs;

/// <summary>A job spec that cannot be accepted; <see cref="Field"/> is its dotted path (e.g. "local.batch_size").</summary>
public sealed class JobSpecException(string field, string message) : FormatException($"{field}: {message}")
{
    public string Field { get; } = field;
    /// <summary>What is wrong, without the field's name in front.</summary>
    public string Reason { get; } = message;
}
