using Tessera.Runtime;

namespace Tessera.Simulation;

/// <summary>
/// The simulator's test-set figure for a FedBN job. Its global BatchNorm tensors never move (they are not
/// averaged), so the global model alone is nobody's model; as the FedBN paper reports, each client is evaluated
/// with its own local tensors over the global ones, and the figures are the unweighted mean over clients (every
/// client that has trained, on the same test set). Costs one test-set pass per such client per evaluation.
/// </summary>
internal static class PersonalizedEvaluation
{
    public static EvaluationResult Mean(IReadOnlyList<EvaluationResult> perClient)
    {
        if (perClient.Count == 0) throw new ArgumentException("no client to evaluate");
        int n = perClient.Count;
        var first = perClient[0];
        var metrics = first.Metrics?.Keys.ToDictionary(k => k, k => perClient.Average(r => r.Metrics![k]));
        return new EvaluationResult(perClient.Average(r => r.Loss), perClient.Average(r => r.Accuracy), first.Samples,
            (long)Math.Round(perClient.Average(r => (double)r.Correct)), metrics);
    }
}
