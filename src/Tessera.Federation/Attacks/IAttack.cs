using Tessera.Data;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>
/// A model-poisoning attack: forges the Byzantine updates of one round from that round's honest updates. The
/// attackers are omniscient and collude, as in the papers (they see every honest update and may know the deployed
/// aggregation rule). Pure: the output depends only on the context, its random stream included.
/// </summary>
public interface IAttack
{
    /// <summary>The spec name (simulation.attack.name).</summary>
    string Name { get; }

    /// <returns><see cref="AttackContext.Byzantine"/> updates, each of the honest updates' length.</returns>
    float[][] Forge(AttackContext context);
}

/// <param name="Honest">The round's honest updates.</param>
/// <param name="Byzantine">How many Byzantine updates to forge (f).</param>
/// <param name="Random">The round's attack stream, seeded from the job.</param>
/// <param name="Aggregator">The deployed rule, for the adaptive attacks; null means the plain (weighted) mean.</param>
/// <param name="Own">Each attacker's own honest update when it trained one (sign flipping negates it), else null.</param>
public sealed record AttackContext(IUpdateSet Honest, int Byzantine, DeterministicRandom Random, IAggregator? Aggregator = null,
    IReadOnlyList<float[]?>? Own = null)
{
    /// <summary>f copies of one forged vector (colluding attackers send the same update).</summary>
    internal float[][] Copies(float[] forged) =>
        Enumerable.Range(0, Byzantine).Select(i => i == 0 ? forged : (float[])forged.Clone()).ToArray();
}
