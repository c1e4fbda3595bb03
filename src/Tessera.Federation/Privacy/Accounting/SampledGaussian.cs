namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// One round (step) of a DP-FedAvg/DP-SGD job as the accountant sees it: a cohort sampled at rate q, each
/// contribution clipped, and Gaussian noise of standard deviation z·clip added to their sum. With
/// <see cref="Skellam"/> set the noise is instead the clients' distributed Skellam shares on the quantized sum, of
/// the same standard deviation z·Δ2, and the round is charged Skellam's RDP (<see cref="SkellamRdp"/>) amplified by
/// the generic sampling bounds (<see cref="SubsampledRdp"/>).
/// </summary>
public sealed record SampledGaussian
{
    readonly double _samplingRate, _noiseMultiplier;

    public SampledGaussian(Sampling sampling, double samplingRate, double noiseMultiplier)
    {
        Sampling = sampling;
        SamplingRate = samplingRate;
        NoiseMultiplier = noiseMultiplier;
    }

    public Sampling Sampling { get; init; }

    /// <summary>q in [0, 1]: a client's chance of being in a round (Poisson) or m/N (fixed size).</summary>
    public double SamplingRate
    {
        get => _samplingRate;
        init => _samplingRate = value is >= 0 and <= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(SamplingRate), value, "sampling rate must be in [0, 1]");
    }

    /// <summary>z ≥ 0: the noise's standard deviation over the clipping norm; 0 is no privacy (ε = ∞).</summary>
    public double NoiseMultiplier
    {
        get => _noiseMultiplier;
        init => _noiseMultiplier = value is >= 0 && !double.IsPositiveInfinity(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(NoiseMultiplier), value, "noise multiplier must be finite and non-negative");
    }

    /// <summary>Distributed Skellam noise: one client's sensitivities in quantization levels; null for Gaussian noise.</summary>
    public SkellamSensitivity? Skellam { get; init; }

    /// <summary>Each client joins with probability <paramref name="samplingRate"/>.</summary>
    public static SampledGaussian Poisson(double samplingRate, double noiseMultiplier) => new(Sampling.Poisson, samplingRate, noiseMultiplier);

    /// <summary>Exactly <paramref name="cohort"/> of <paramref name="population"/> clients a round.</summary>
    public static SampledGaussian FixedSize(int cohort, int population, double noiseMultiplier)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(population, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(cohort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cohort, population);
        return new(Sampling.FixedSize, cohort / (double)population, noiseMultiplier);
    }

    /// <summary>The same round with another noise multiplier (what calibration searches over).</summary>
    public SampledGaussian WithNoise(double noiseMultiplier) => this with { NoiseMultiplier = noiseMultiplier };

    /// <summary>RDP of one such round at <paramref name="order"/>.</summary>
    public double Rdp(double order) => Skellam is { } lattice
        ? SubsampledRdp.At(Sampling, SamplingRate, l => SkellamRdp.At(NoiseMultiplier, lattice, l), order)
        : Sampling == Sampling.Poisson
            ? PoissonSampledGaussianRdp.At(SamplingRate, NoiseMultiplier, order)
            : FixedSizeSampledGaussianRdp.At(SamplingRate, NoiseMultiplier, order);

    /// <summary>RDP of one such round at each order.</summary>
    public double[] Rdp(IReadOnlyList<double> orders)
    {
        if (Skellam is null)
            return Sampling == Sampling.Poisson
                ? PoissonSampledGaussianRdp.At(SamplingRate, NoiseMultiplier, orders)
                : FixedSizeSampledGaussianRdp.At(SamplingRate, NoiseMultiplier, orders);
        var rdp = new double[orders.Count];
        for (int i = 0; i < rdp.Length; i++) rdp[i] = Rdp(orders[i]);
        return rdp;
    }
}
