namespace Tessera.Federation.Strategies;

/// <summary>
/// FedProx (Li et al. 2020). The server side is FedAvg; the difference is the proximal term
/// (μ/2)‖w − w_global‖² in each client's local objective, so the strategy only ships μ to
/// clients as "prox_mu". The term itself lives in the client's training graph.
/// </summary>
public sealed class FedProx : FedAvg
{
    public const string ProxMuKey = "prox_mu";

    private readonly IReadOnlyDictionary<string, double> _withMu;

    public FedProx(double proximalMu, ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null, float serverLearningRate = 1f)
        : base(selector, clientHyperparameters, serverLearningRate)
    {
        if (!(proximalMu >= 0) || double.IsInfinity(proximalMu))
            throw new ArgumentOutOfRangeException(nameof(proximalMu), proximalMu, "μ must be finite and non-negative.");
        ProximalMu = proximalMu;
        var merged = new Dictionary<string, double>(clientHyperparameters ?? new Dictionary<string, double>(), StringComparer.Ordinal)
        {
            [ProxMuKey] = proximalMu,
        };
        _withMu = merged;
    }

    public override string Name => "FedProx";

    public double ProximalMu { get; }

    protected override IReadOnlyDictionary<string, double> ClientHyperparameters(int round) => _withMu;
}
