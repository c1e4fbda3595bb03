using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>Small rounds the tests share: parameters, seeded float inputs and their quantized words.</summary>
static class Rounds
{
    public const double Clip = 1.0;
    public const int QuantizationBits = 12;

    public static SecureQuantizer Quantizer(int n) => new(Clip, QuantizationBits, n);

    public static SecAggParameters Parameters(int n, int length, int? degree = null, int? threshold = null, int graphSeed = 7) =>
        SecAggPlan.Create("job-1", 3, n, length, Quantizer(n).Bits, degree, threshold, graphSeed);

    public static float[] Floats(int client, int length)
    {
        var random = new Random(1000 + client);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2.4 - 1.2)).ToArray();
    }

    public static uint[] Words(SecureQuantizer q, int client, int length)
    {
        var words = new uint[length];
        q.Quantize(Floats(client, length), words, new Random(client));
        return words;
    }

    public static uint[] PlainSum(IEnumerable<uint[]> inputs, int bits)
    {
        uint[]? sum = null;
        foreach (var x in inputs)
        {
            sum ??= new uint[x.Length];
            for (int i = 0; i < x.Length; i++) sum[i] += x[i];
        }
        MaskExpansion.Reduce(sum!, bits);
        return sum!;
    }
}
