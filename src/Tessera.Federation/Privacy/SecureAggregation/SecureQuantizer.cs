namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// Floats to Z_{2^b} and back, for summing under masks. Each coordinate is clipped to [−c, c] and mapped to
/// u = (x + c) / Δ ∈ [0, 2^q − 1] with step Δ = 2c / (2^q − 1), then rounded stochastically (up with probability
/// frac(u)), so the quantized value is unbiased. A client's word is below 2^q, so n of them sum below n·2^q ≤
/// 2^{q + ⌈log2 n⌉}; b adds one guard bit on top, leaving room for integer lanes (below <see cref="MaxLane"/> each),
/// and must stay ≤ 32 (one word per coordinate).
/// Error: each rounding moves a coordinate by less than Δ, so a decoded sum of n unclipped inputs is within
/// n·Δ = 2nc / (2^q − 1) of the float sum (its expected error is 0, its spread about √n·Δ/2).
/// Distributed Skellam noise is added to the words mod 2^b, so a noised sum may wrap below 0 or past 2^b; a round
/// with noise asks for more bits (<see cref="BitsWithNoise"/>), and the sum is read centred: as the value in
/// [−2^{b−1}, 2^{b−1}) around the midpoint of n words that is congruent to it (exact without noise too).
/// </summary>
public sealed class SecureQuantizer
{
    /// <param name="bits">The round's modulus b: at least <see cref="BitsFor"/>(q, n), more to leave room for noise; null is the least.</param>
    public SecureQuantizer(double clip, int quantizationBits, int clients, int? bits = null)
    {
        if (!(clip > 0) || double.IsInfinity(clip)) throw new ArgumentOutOfRangeException(nameof(clip), "the clipping range c must be positive and finite");
        if (quantizationBits is < 1 or > 30) throw new ArgumentOutOfRangeException(nameof(quantizationBits), "q must be 1..30");
        if (clients < 1) throw new ArgumentOutOfRangeException(nameof(clients), "needs at least one client");
        Clip = clip;
        QuantizationBits = quantizationBits;
        Clients = clients;
        Bits = BitsFor(quantizationBits, clients);
        if (Bits > 32) throw new ArgumentOutOfRangeException(nameof(quantizationBits), $"q = {quantizationBits} for {clients} clients needs b = {Bits} > 32 bits; lower q");
        if (bits is { } b)
        {
            if (b < Bits || b > 32) throw new ArgumentOutOfRangeException(nameof(bits), $"b = {b}: q = {quantizationBits} for {clients} clients needs {Bits} to 32 bits");
            Bits = b;
        }
        Levels = (1u << quantizationBits) - 1;
        Step = 2 * clip / Levels;
    }

    public double Clip { get; }
    public int QuantizationBits { get; }
    public int Clients { get; }
    /// <summary>b ≥ q + ⌈log2 n⌉ + 1: sums of n inputs never wrap mod 2^b.</summary>
    public int Bits { get; }
    /// <summary>The largest quantized value, 2^q − 1.</summary>
    public uint Levels { get; }
    /// <summary>Δ, the float value of one quantization level.</summary>
    public double Step { get; }

    /// <summary>The largest integer lane value one client may send so that n of them sum below 2^b.</summary>
    public uint MaxLane => Mask(Bits) / (uint)Clients;

    /// <summary>Bound on |decoded sum − float sum| per coordinate for <paramref name="inputs"/> unclipped inputs.</summary>
    public double ErrorBound(int inputs) => inputs * Step;

    public static int BitsFor(int quantizationBits, int clients) =>
        quantizationBits + (clients <= 1 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)clients - 1)) + 1;

    /// <summary>
    /// The least b for which n inputs plus noise of total standard deviation <paramref name="noiseStd"/> levels read back
    /// unwrapped: the data part lies within n·(2^q − 1)/2 of the midpoint, and the noise within 12 standard deviations
    /// but for a chance below 1e-32 per coordinate. At least <see cref="BitsFor"/>; may exceed 32 (the caller refuses it).
    /// </summary>
    public static int BitsWithNoise(int quantizationBits, int clients, double noiseStd)
    {
        int least = BitsFor(quantizationBits, clients);
        if (!(noiseStd > 0)) return least;
        double reach = clients * (Math.Pow(2, quantizationBits) - 1) / 2 + 12 * noiseStd;
        return Math.Max(least, (int)Math.Ceiling(Math.Log2(reach)) + 1);
    }

    /// <summary>All-ones below bit b: reduces a uint32 mod 2^b.</summary>
    public static uint Mask(int bits) => bits >= 32 ? uint.MaxValue : (1u << bits) - 1;

    /// <summary>Quantizes <paramref name="values"/> into the first values.Length words of <paramref name="into"/>; the caller may append integer lanes after them.</summary>
    public void Quantize(ReadOnlySpan<float> values, Span<uint> into, Random random)
    {
        if (into.Length < values.Length) throw new ArgumentException($"{into.Length} words cannot hold {values.Length} coordinates", nameof(into));
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            if (float.IsNaN(x)) throw new ArgumentException($"coordinate {i} is NaN", nameof(values));
            double u = (Math.Clamp(x, -Clip, Clip) + Clip) / Step;
            double floor = Math.Floor(u);
            uint q = (uint)floor + (random.NextDouble() < u - floor ? 1u : 0u);
            into[i] = Math.Min(q, Levels);
        }
    }

    /// <summary>Float sums from the first into.Length words of a sum of <paramref name="inputs"/> quantized vectors.</summary>
    public void Dequantize(ReadOnlySpan<uint> sum, int inputs, Span<float> into)
    {
        if (sum.Length < into.Length) throw new ArgumentException($"{sum.Length} words hold fewer than {into.Length} coordinates", nameof(sum));
        if (inputs < 0 || inputs > Clients) throw new ArgumentOutOfRangeException(nameof(inputs), $"a sum of 0..{Clients} inputs, not {inputs}");
        double middle = inputs * (double)Levels / 2, modulus = Math.Pow(2, Bits), half = modulus / 2;
        uint mask = Mask(Bits);
        for (int i = 0; i < into.Length; i++)
        {
            double centred = (sum[i] & mask) - middle;
            if (centred >= half) centred -= modulus;
            else if (centred < -half) centred += modulus;
            into[i] = (float)(centred * Step);
        }
    }
}
