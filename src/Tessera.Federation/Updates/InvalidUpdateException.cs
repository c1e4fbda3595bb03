namespace Tessera.Federation;

/// <summary>
/// An upload that must not reach the model (wrong shape, non-finite values, duplicate, ...).
/// Thrown before anything is folded, so a rejected update leaves the aggregate untouched.
/// </summary>
public sealed class InvalidUpdateException : Exception
{
    public InvalidUpdateException(string clientId, string message)
        : base($"Update from client '{clientId}' rejected: {message}")
    {
        ClientId = clientId;
    }

    public string ClientId { get; }
}
