using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>
/// The honest updates followed by forged ones, as the deployed rule would see the round: the adaptive attacks score a
/// candidate with it. Forged updates weigh as much as the mean honest update (attackers claim typical sample counts).
/// </summary>
internal sealed class AttackedSet : IUpdateSet
{
    readonly IUpdateSet _honest;
    readonly IReadOnlyList<float[]> _forged;
    readonly double _forgedWeight;

    public AttackedSet(IUpdateSet honest, IReadOnlyList<float[]> forged)
    {
        _honest = honest;
        _forged = forged;
        _forgedWeight = honest.Count == 0 ? 1 : Enumerable.Range(0, honest.Count).Average(honest.Weight);
    }

    public int Count => _honest.Count + _forged.Count;
    public int Length => _honest.Length;
    public ReadOnlySpan<float> this[int index] => index < _honest.Count ? _honest[index] : _forged[index - _honest.Count];
    public string ClientId(int index) => index < _honest.Count ? _honest.ClientId(index) : $"byzantine{index - _honest.Count}";
    public double Weight(int index) => index < _honest.Count ? _honest.Weight(index) : _forgedWeight;
}
