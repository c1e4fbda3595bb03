using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>What an honest-but-curious server sees of an input is its masked word vector: it must look uniform.</summary>
public class MaskedInputPrivacyTests
{
    const int Length = 8192;
    const int TopBits = 4;

    /// <summary>Chi-square of the words' top 4 bits (of b) against uniform over 16 bins: 15 degrees of freedom.</summary>
    static double ChiSquare(IEnumerable<uint> words, int bits)
    {
        var counts = new double[1 << TopBits];
        int total = 0;
        foreach (uint w in words) { counts[w >> (bits - TopBits)]++; total++; }
        double expected = (double)total / counts.Length;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    // P[χ²(15) > 37.7] = 0.001: a uniform vector passes 999 times in 1000 (and these seeds are fixed).
    const double Critical = 37.7;

    [Fact]
    public void Every_masked_input_the_server_receives_looks_uniform_while_the_plain_input_does_not()
    {
        const int n = 10;
        var p = Rounds.Parameters(n, Length);
        var q = Rounds.Quantizer(n);
        var captured = new List<MaskedInput>();
        // Inputs of small magnitude: their quantized words crowd the middle of [0, 2^q), far from uniform mod 2^b.
        uint[] Input(int c)
        {
            var words = new uint[Length];
            var random = new Random(c);
            q.Quantize(Enumerable.Range(0, Length).Select(_ => (float)(0.1 * (random.NextDouble() - 0.5))).ToArray(), words, random);
            return words;
        }
        var run = SecAggSimulation.Run(p, Input, SecAggDropouts.None, seed: 3, received: m => { if (m is MaskedInput mi) captured.Add(mi); });
        Assert.NotNull(run.Result);
        Assert.Equal(n, captured.Count);
        foreach (var m in captured)
        {
            double chi = ChiSquare(SecAggWords.Decode(m.Words), p.Bits);
            Assert.True(chi < Critical, $"client {m.Client}'s masked input: χ² = {chi:F1}");
            double plain = ChiSquare(Input(m.Client), p.Bits);
            Assert.True(plain > 100 * Critical, $"client {m.Client}'s plain input: χ² = {plain:F1} should fail");
        }
        // The sum itself is revealed, by design; the inputs are not.
        Assert.Equal(Rounds.PlainSum(Enumerable.Range(1, n).Select(Input), p.Bits), run.Result.Sum);
    }
}
