namespace Tessera.Federation.Robust;

/// <summary>
/// A step before the aggregator that turns a round's n updates into mixes of them (nearest-neighbour mixing,
/// bucketing), which any aggregator then combines. Pure and deterministic for a given set and seed.
/// </summary>
public interface IPreAggregator
{
    /// <summary>The spec name: nnm, bucketing or arc.</summary>
    string Name { get; }

    /// <param name="seed">Randomness for rules that shuffle (bucketing); the caller derives one per round.</param>
    MixedUpdates Mix(IUpdateSet updates, ulong seed);
}

/// <summary>
/// One mix: which of the input updates it averages, and with what coefficients (they sum to 1); <paramref name="Scale"/>
/// is what the step scaled the mix by (clipping), carried into the inputs' fates.
/// </summary>
public sealed record MixSource(int[] Inputs, double[] Coefficients, double Scale = 1);

/// <summary>
/// The mixed updates (held in memory: n vectors) and, for each, its sources among the step's input, so the fates the
/// aggregator gives the mixes can be carried back to the clients that sent them.
/// </summary>
public sealed record MixedUpdates(string Step, IUpdateSet Updates, IReadOnlyList<MixSource> Sources)
{
    /// <summary>
    /// The input updates' fates: an input's share is the share-weighted sum of its coefficients in the mixes; its scale
    /// the contribution-weighted scale of those mixes; it is excluded when no kept mix carries it.
    /// </summary>
    public IReadOnlyList<UpdateFate> FatesOf(IReadOnlyList<UpdateFate> mixFates, IUpdateSet input)
    {
        if (mixFates.Count != Sources.Count) throw new ArgumentException($"{mixFates.Count} fates for {Sources.Count} mixes", nameof(mixFates));
        int n = input.Count;
        var share = new double[n];
        var scaled = new double[n];
        var carriers = new int[n];
        for (int j = 0; j < Sources.Count; j++)
        {
            var (inputs, coefficients) = (Sources[j].Inputs, Sources[j].Coefficients);
            for (int k = 0; k < inputs.Length; k++)
            {
                double part = mixFates[j].Share * coefficients[k];
                share[inputs[k]] += part;
                scaled[inputs[k]] += part * mixFates[j].Scale * Sources[j].Scale;
                carriers[inputs[k]]++;
            }
        }
        var fates = new UpdateFate[n];
        for (int i = 0; i < n; i++)
        {
            bool excluded = share[i] <= 0;
            string? why = excluded ? $"{Step}: {(carriers[i] == 0 ? "in no mix" : $"all {carriers[i]} mixes it was in were left out")}" : null;
            fates[i] = new UpdateFate(input.ClientId(i), share[i], excluded ? 1 : scaled[i] / share[i], excluded, why);
        }
        return fates;
    }
}
