using System.Collections.Immutable;

namespace Tessera.Federation;

/// <summary>
/// Named model-sized buffers a strategy carries between rounds (momentum, Adam moments,
/// SCAFFOLD's server control variate). Immutable: strategies publish new buffers instead of
/// mutating, so a model handed to clients never changes under them.
/// </summary>
public sealed class ServerState
{
    public static readonly ServerState Empty = new(ImmutableDictionary<string, float[]>.Empty);

    private readonly ImmutableDictionary<string, float[]> _buffers;

    private ServerState(ImmutableDictionary<string, float[]> buffers) => _buffers = buffers;

    public IEnumerable<string> Names => _buffers.Keys;

    public float[]? Get(string name) => _buffers.TryGetValue(name, out var b) ? b : null;

    public ServerState With(string name, float[] buffer) => new(_buffers.SetItem(name, buffer));
}
