using System.Numerics.Tensors;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Federation.Strategies;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>
/// FedNova over secure aggregation: each client scales its update by τ_ref/τ_i before masking, the cohort sums
/// step-normalized updates, and the server rescales the unmasked mean by τ_eff/τ_ref from the survivors' weights and
/// steps. The result is FedNova's own aggregate, up to quantization.
/// </summary>
public class SecureFedNovaTests
{
    static readonly JobSpec Spec = JobSpecParser.Parse("""
        name: nova
        strategy: { name: fednova }
        clients_per_round: 4
        verification: { replay: off }
        privacy: { secure_aggregation: { clip: 100 } }
        """);

    // Clients that ran very different numbers of steps on different amounts of data: FedAvg lets the 40-step client dominate.
    static readonly ClientUpdate[] Updates =
    [
        new("a", [1f, 0f, 2f, -1f], 400, LocalSteps: 40),
        new("b", [0.1f, 0.3f, 0f, 0.2f], 100, LocalSteps: 10),
        new("c", [-0.2f, 0.1f, 0.1f, 0f], 200, LocalSteps: 5),
        new("d", [0.05f, -0.05f, 0.3f, 0.1f], 300, LocalSteps: 20),
    ];

    static float[] Aggregate(IRoundAggregator aggregator)
    {
        foreach (var u in Updates) aggregator.Fold(u);
        return aggregator.Finish().Delta;
    }

    static double Distance(float[] a, float[] b)
    {
        var d = new float[a.Length];
        TensorPrimitives.Subtract(a, b, d);
        return TensorPrimitives.Norm(d);
    }

    [Fact]
    public void The_unmasked_fednova_aggregate_is_fednovas_plain_aggregate()
    {
        var model = new GlobalModel(new float[4], 0, ServerState.Empty);
        var nova = new FedNova();
        var plain = Aggregate(nova.BeginRound(1, model));
        var secure = Aggregate(new SecureRoundAggregator(Spec, null, nova, model, 1, cohort: 4));
        var fedAvg = Aggregate(new FedAvg().BeginRound(1, model));
        Assert.True(Distance(plain, fedAvg) > 0.1, "the updates should tell FedNova from FedAvg");
        Assert.True(Distance(plain, secure) < 1e-3, $"secure {string.Join(", ", secure)} against plain {string.Join(", ", plain)}");
    }

    [Fact]
    public void A_client_scales_by_the_reference_steps_over_its_own_before_it_clips()
    {
        var task = SecureRoundTerms.Task(Spec, null, 4, "nova", 1, 1, 1, 4, weightCap: 400, clip: 1, stageUrl: "",
            referenceSteps: SecureRoundTerms.ReferenceSteps(Spec, Updates.Select(u => u.LocalSteps)));
        Assert.Equal(40, task.ReferenceSteps);
        var format = new SecureUpdateFormat(4, task);
        // 0.1 after 10 steps is 0.4 at the reference 40: within the clip of 1, not clipped.
        var (sum, weights, within, _) = format.Decode(format.Encode([0.1f, 0f, 0f, 0f], 400, 10, new Random(1), new Tessera.Data.DeterministicRandom(1)), 1);
        Assert.Equal(0.4, sum[0], 3);
        Assert.Equal(1, within);
        Assert.Equal(1, weights, 4);
        // τ_eff / τ_ref: weights 1 and 1/2 at 40 and 10 steps make τ_eff = 30, three quarters of 40.
        Assert.Equal(0.75, format.StepScale([(400, 40), (200, 10)]), 4);
        // Other strategies do not normalize.
        Assert.Equal(0, SecureRoundTerms.ReferenceSteps(JobSpecParser.Parse("name: a\nclients_per_round: 4\nverification: { replay: off }\nprivacy: { secure_aggregation: true }"), [3, 9]));
    }
}
