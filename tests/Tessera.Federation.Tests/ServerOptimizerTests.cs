using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

/// <summary>
/// Server steps checked against values computed by hand (float64) from the papers' update rules.
/// Two steps each, so momentum and second-moment state are exercised.
/// </summary>
public class ServerOptimizerTests
{
    private static readonly float[] Delta1 = [0.2f, -0.4f];
    private static readonly float[] Delta2 = [0.01f, -0.4f];

    private static RoundAggregate Aggregate(float[] delta) => new(1, delta, 1, 1);

    [Fact]
    public void FedAvgM_accumulates_momentum()
    {
        var strategy = new FedAvgM(serverLearningRate: 0.5f, momentum: 0.9f);
        var m0 = strategy.Initialize([0f, 0f]);

        // m1 = Δ1 = [1, −2];  x1 = 0.5·m1
        var m1 = strategy.Apply(m0, Aggregate([1f, -2f]));
        Approx.Equal([0.5, -1.0], m1.Weights, 1e-6);

        // m2 = 0.9·[1, −2] + [0.5, 0.5] = [1.4, −1.3];  x2 = x1 + 0.5·m2
        var m2 = strategy.Apply(m1, Aggregate([0.5f, 0.5f]));
        Approx.Equal([1.2, -1.65], m2.Weights, 1e-6);
        Approx.Equal([1.4, -1.3], m2.State.Get(FedAvgM.MomentumKey)!, 1e-6);
        Assert.Equal(2, m2.Version);
        Approx.Equal([1.0, -2.0], m1.State.Get(FedAvgM.MomentumKey)!, 0); // old state untouched
    }

    [Fact]
    public void FedAdam_two_steps()
    {
        var strategy = new FedAdam(serverLearningRate: 0.1f, beta1: 0.9f, beta2: 0.99f, tau: 1e-3f);
        var x1 = strategy.Apply(strategy.Initialize([0f, 0f]), Aggregate(Delta1));
        // m1 = 0.1·Δ1; v1 = 0.99·τ² + 0.01·Δ1²; x1 = 0.1·m1/(√v1 + τ)
        Approx.Equal([0.09512605167558875, -0.09753154228797467], x1.Weights, 1e-5);
        Approx.Equal([0.00040099, 0.00160099], x1.State.Get(AdaptiveStrategy.SecondMomentKey)!, 1e-8);

        var x2 = strategy.Apply(x1, Aggregate(Delta2));
        Approx.Equal([0.18582060618430243, -0.22985359174986392], x2.Weights, 1e-5);
        Approx.Equal([0.0003979801, 0.0031849801], x2.State.Get(AdaptiveStrategy.SecondMomentKey)!, 1e-8);
        Approx.Equal([0.019, -0.076], x2.State.Get(AdaptiveStrategy.FirstMomentKey)!, 1e-7);
    }

    [Fact]
    public void FedYogi_two_steps()
    {
        var strategy = new FedYogi(serverLearningRate: 0.1f, beta1: 0.9f, beta2: 0.99f, tau: 1e-3f);
        var x1 = strategy.Apply(strategy.Initialize([0f, 0f]), Aggregate(Delta1));
        // v0 = τ² < Δ1², so sign = −1 and v grows: v1 = τ² + 0.01·Δ1²
        Approx.Equal([0.09512492197250384, -0.09753124511871271], x1.Weights, 1e-5);
        Approx.Equal([0.000401, 0.001601], x1.State.Get(AdaptiveStrategy.SecondMomentKey)!, 1e-8);

        // Element 0: v1 > Δ2² so v shrinks additively; element 1: v grows.
        var x2 = strategy.Apply(x1, Aggregate(Delta2));
        Approx.Equal([0.18560111244869426, -0.22952752413696115], x2.Weights, 1e-5);
        Approx.Equal([0.000400, 0.003201], x2.State.Get(AdaptiveStrategy.SecondMomentKey)!, 1e-8);
    }

    [Fact]
    public void FedAdagrad_two_steps()
    {
        var strategy = new FedAdagrad(serverLearningRate: 0.1f, beta1: 0.9f, tau: 1e-3f);
        var x1 = strategy.Apply(strategy.Initialize([0f, 0f]), Aggregate(Delta1));
        // v1 = τ² + Δ1²
        Approx.Equal([0.009950124999218756, -0.00997503124995117], x1.Weights, 1e-6);
        Approx.Equal([0.040001, 0.160001], x1.State.Get(AdaptiveStrategy.SecondMomentKey)!, 1e-7);

        var x2 = strategy.Apply(x1, Aggregate(Delta2));
        Approx.Equal([0.01939100897776111, -0.023386331084711734], x2.Weights, 1e-6);
        Approx.Equal([0.040101, 0.320001], x2.State.Get(AdaptiveStrategy.SecondMomentKey)!, 1e-7);
    }

    [Fact]
    public void Adaptive_step_moves_along_the_delta_not_against_it()
    {
        // Sign convention guard: delta = local − global, so a positive delta must raise the weight.
        foreach (IStrategy s in new IStrategy[] { new FedAdam(), new FedYogi(), new FedAdagrad(), new FedAvgM(), new FedAvg() })
        {
            var next = s.Apply(s.Initialize([0f, 0f]), Aggregate([1f, -1f]));
            Assert.True(next.Weights[0] > 0 && next.Weights[1] < 0, $"{s.Name} stepped the wrong way.");
        }
    }

    [Fact]
    public void Mismatched_aggregate_length_is_refused()
    {
        var s = new FedAdam();
        Assert.Throws<ArgumentException>(() => s.Apply(s.Initialize([0f, 0f, 0f]), Aggregate([1f, 1f])));
    }
}
