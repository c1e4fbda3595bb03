namespace Tessera.Protocol.Wire.SecureAggregation;

/// <summary>
/// A task of a secure round (privacy.secure_aggregation): the round's SecAgg+ parameters, this task's client number,
/// where its stage messages go, and how to turn its update into the words it masks (docs/PRIVACY.md, "Secure
/// aggregation over the task protocol"). The update never leaves the worker in the clear.
/// </summary>
public sealed record SecureAggregationTask
{
    public required SecAggParameters Parameters { get; init; }
    /// <summary>This task's client number, 1..n: the x of its Shamir shares.</summary>
    public required int Client { get; init; }
    /// <summary>The stage endpoints' base: POST and GET {url}/keys, {url}/shares, {url}/input, {url}/unmask.</summary>
    public required string StageUrl { get; init; }
    /// <summary>The update is clipped to this L2 norm before anything else.</summary>
    public required double Clip { get; init; }
    /// <summary>Each coordinate is quantized over [−range, range] with this many bits.</summary>
    public required double Range { get; init; }
    public required int QuantizationBits { get; init; }
    /// <summary>Weighted mean: the sample count at which a client's weight is 1 (weights are samples / cap, at most 1). 0: unweighted.</summary>
    public double WeightCap { get; init; }
    /// <summary>
    /// Distributed DP: the variance, in quantization levels, of the Skellam share Poisson(v/2) − Poisson(v/2) this
    /// client adds to each quantized coordinate of its update (mod 2^b); 0: none.
    /// </summary>
    public double NoiseVariance { get; init; }
    /// <summary>
    /// FedNova: the client scales its update by this over its local steps before clipping, so the cohort sums
    /// step-normalized directions at a common scale (the round's largest assigned steps); 0: not normalized.
    /// </summary>
    public double ReferenceSteps { get; init; }
    /// <summary>
    /// SCAFFOLD: the control-variate delta Δc_i is masked after the update, multiplied by this (lr · the round's
    /// largest steps / 2, so it reads in the update's units) and clipped to <see cref="Clip"/>; 0: no control variates.
    /// </summary>
    public double ControlScale { get; init; }
    /// <summary>
    /// SCAFFOLD: the worker keeps its own c_i (the coordinator never sees Δc_i). Once the round has closed it GETs this
    /// to learn whether its input counted, and only then adds its Δc_i to c_i.
    /// </summary>
    public string? CountedUrl { get; init; }
}

/// <summary>Stage 3 as a worker uploads it: the masked words, and what the round's record may know in the clear (its steps and losses).</summary>
public sealed record MaskedUpload
{
    public required MaskedInput Input { get; init; }
    public int Steps { get; init; }
    public double MeanLoss { get; init; }
    public double SamplesPerSecond { get; init; }
}
