using CsCheck;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

/// <summary>Random cohorts never crash the coordinate-wise rules, and their output stays finite and inside the coordinate hull.</summary>
public class RobustPropertyTests
{
    static readonly Gen<float> Value = Gen.OneOf(Gen.Float[-1e30f, 1e30f], Gen.Float[-1f, 1f], Gen.Const(0f));

    static readonly Gen<(float[][] Updates, int Block)> Cohort =
        from n in Gen.Int[1, 12]
        from d in Gen.Int[1, 9]
        from rows in Value.Array[d].Array[n]
        from block in Gen.Int[1, 40]
        select (rows, block);

    static InMemoryUpdateSet SetOf(float[][] rows)
    {
        var set = new InMemoryUpdateSet(rows[0].Length);
        for (int i = 0; i < rows.Length; i++) set.Add($"c{i}", rows[i]);
        return set;
    }

    static void InHull(float[][] rows, float[] result)
    {
        for (int j = 0; j < result.Length; j++)
        {
            Assert.True(float.IsFinite(result[j]), $"coordinate {j} is {result[j]}");
            float lo = rows.Min(r => r[j]), hi = rows.Max(r => r[j]);
            // The window mean is computed in float: allow rounding of the largest magnitude in the column.
            float slack = Math.Max(Math.Abs(lo), Math.Abs(hi)) * 1e-6f;
            Assert.True(result[j] >= lo - slack && result[j] <= hi + slack, $"coordinate {j}: {result[j]} outside [{lo}, {hi}]");
        }
    }

    [Fact]
    public void Median_of_any_cohort_is_finite_and_within_the_coordinate_hull() =>
        Cohort.Sample(c =>
        {
            var r = new MedianAggregator(c.Block).Aggregate(SetOf(c.Updates));
            InHull(c.Updates, r.Delta);
            Assert.Equal(1.0, r.Fates.Sum(f => f.Share), 6);
        }, iter: 300, threads: 1);

    [Fact]
    public void Trimmed_mean_of_any_cohort_is_finite_and_within_the_coordinate_hull() =>
        Cohort.Select(Gen.Double[0, 0.49]).Sample((c, beta) =>
        {
            var r = new TrimmedMeanAggregator(beta: beta, blockFloats: c.Block).Aggregate(SetOf(c.Updates));
            InHull(c.Updates, r.Delta);
        }, iter: 300, threads: 1);

    static readonly Gen<(float[][] Updates, int Block)> AttackedCohort =
        from n in Gen.Int[7, 12]
        from d in Gen.Int[1, 9]
        from rows in Gen.Float[-1e3f, 1e3f].Array[d].Array[n]
        from huge in Gen.OneOf(Gen.Const(1e30f), Gen.Const(-3e38f), Gen.Float[-1e6f, 1e6f])
        from block in Gen.Int[1, 40]
        select (rows.Select((r, i) => i == 0 ? r.Select(_ => huge).ToArray() : r).ToArray(), block);

    [Fact]
    public void Every_robust_rule_gives_finite_output_with_one_update_at_any_finite_value() =>
        AttackedCohort.Sample(c =>
        {
            var set = SetOf(c.Updates);
            IAggregator[] rules =
            [
                new MedianAggregator(c.Block), new TrimmedMeanAggregator(f: 1, blockFloats: c.Block), new KrumAggregator(1, 1, c.Block),
                new KrumAggregator(1, null, c.Block), new BulyanAggregator(1, c.Block), new GeometricMedianAggregator(blockFloats: c.Block),
                new CenteredClipAggregator(1, 2, c.Block), new CenteredClipAggregator(null, 2, c.Block), new NormBoundAggregator(), new NormBoundAggregator(5),
            ];
            foreach (var rule in rules)
            {
                var r = rule.Aggregate(set);
                Assert.True(r.Delta.All(float.IsFinite), $"{rule.Name}: {string.Join(", ", r.Delta)}");
                Assert.Equal(set.Count, r.Fates.Count);
                Assert.All(r.Fates, f => Assert.True(double.IsFinite(f.Share) && double.IsFinite(f.Scale), $"{rule.Name}: {f}"));
            }
        }, iter: 200, threads: 1);
}
