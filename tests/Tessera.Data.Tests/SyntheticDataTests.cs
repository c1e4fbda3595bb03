namespace Tessera.Data.Tests;

public class SyntheticDataTests
{
    [Fact]
    public void BlobsAreDeterministicBalancedAndSeparable()
    {
        var a = SyntheticData.GaussianBlobs(300, 3, 4, seed: 11);
        var b = SyntheticData.GaussianBlobs(300, 3, 4, seed: 11);
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Features, SyntheticData.GaussianBlobs(300, 3, 4, seed: 12).Features);
        Assert.All(Enumerable.Range(0, 3), c => Assert.Equal(100, a.Labels!.Count(l => l == c)));

        // Nearest class mean should classify almost everything: the blobs are separable-ish.
        var means = new double[3, 4];
        for (int i = 0; i < a.Count; i++)
            for (int j = 0; j < 4; j++) means[a.Labels![i], j] += a.Sample(i)[j] / 100.0;
        int correct = 0;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a.Sample(i).ToArray();
            int best = Enumerable.Range(0, 3).MinBy(c => Enumerable.Range(0, 4).Sum(j => Math.Pow(x[j] - means[c, j], 2)));
            if (best == a.Labels![i]) correct++;
        }
        Assert.True(correct >= 270, $"only {correct}/300 nearest-mean correct");
    }

    [Fact]
    public void LinearRegressionTargetsFollowTheReturnedParameters()
    {
        var set = SyntheticData.LinearRegression(200, 3, seed: 4, noise: 0.01f);
        Assert.Null(set.Data.Labels);
        Assert.Equal(200, set.Data.Targets!.Length);
        for (int i = 0; i < set.Data.Count; i++)
        {
            var x = set.Data.Sample(i).ToArray();
            double predicted = set.Bias + Enumerable.Range(0, 3).Sum(j => set.Weights[j] * x[j]);
            Assert.InRange(set.Data.Targets[i] - predicted, -0.06, 0.06);
        }
        Assert.Equal(set.Data.Features, SyntheticData.LinearRegression(200, 3, seed: 4, noise: 0.01f).Data.Features);
    }
}
