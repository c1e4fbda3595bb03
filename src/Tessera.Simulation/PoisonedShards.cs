using Tessera.Data;

namespace Tessera.Simulation;

/// <summary>
/// The training data the Byzantine clients of a data-poisoning attack train on instead of their own: one copy of their
/// samples only (not of the whole training set), poisoned, with each client's indices into it.
/// </summary>
public sealed class PoisonedShards
{
    readonly Dictionary<int, int[]> _indices = new();

    /// <param name="poison">Rewrites the copy in place: features and labels of the samples of each client (client, positions in the copy).</param>
    public PoisonedShards(Dataset train, int[][] clientIndices, IEnumerable<int> clients, Func<Dataset, IReadOnlyDictionary<int, int[]>, Dataset> poison)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(clientIndices);
        ArgumentNullException.ThrowIfNull(poison);
        var all = new List<int>();
        foreach (int c in clients.Order())
        {
            _indices[c] = Enumerable.Range(all.Count, clientIndices[c].Length).ToArray();
            all.AddRange(clientIndices[c]);
        }
        Data = poison(train.Select(all.ToArray()), _indices);
    }

    public Dataset Data { get; }

    /// <summary>Client <paramref name="client"/>'s samples in <see cref="Data"/>; null for a client that is not poisoned.</summary>
    public int[]? IndicesOf(int client) => _indices.GetValueOrDefault(client);

    /// <summary>Label flipping (ByzFL's LabelFlipping): every label l becomes C − 1 − l.</summary>
    public static Dataset FlipLabels(Dataset copy, IReadOnlyDictionary<int, int[]> _)
    {
        var labels = copy.Labels!.Select(l => copy.ClassCount - 1 - l).ToArray();
        return new Dataset(copy.Features, copy.SampleShape, labels, copy.ClassCount);
    }
}
