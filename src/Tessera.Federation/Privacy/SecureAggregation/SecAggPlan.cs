using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// The round's parameters from the cohort size: neighbour degree k, threshold t and modulus bits b, each derivable
/// from n and overridable.
/// </summary>
public static class SecAggPlan
{
    /// <summary>The share of a client's neighbours the default k is sized to lose between sharing keys and unmasking.</summary>
    public const double DesignDropout = 0.3;

    /// <summary>The chance, by a union bound over the clients, that some client keeps fewer than t live neighbours at <see cref="DesignDropout"/>.</summary>
    public const double DesignFailure = 0.01;

    /// <summary>
    /// t = ⌊k/2⌋ + 1, a strict majority of a client's share holders. Two sets of t holders always meet, so a server
    /// that tells some neighbours a client survived and others that it dropped cannot gather t seed shares and t
    /// mask-key shares of it: the holder in both sets refuses to reveal both. It also lets up to ⌈k/2⌉ − 1 of a
    /// client's neighbours drop.
    /// </summary>
    public static int DefaultThreshold(int degree) => degree / 2 + 1;

    /// <summary>
    /// k: the smallest even degree at which, with each neighbour lost independently with probability
    /// <see cref="DesignDropout"/>, n·P[Binomial(k, 1 − δ) &lt; t(k)] ≤ <see cref="DesignFailure"/>; n − 1 (the complete
    /// graph) when none below it does. That is O(log n): the union bound's n enters only through log n / KL(½ ‖ 1 − δ).
    /// </summary>
    public static int DefaultDegree(int clients)
    {
        if (clients < 3) throw new ArgumentOutOfRangeException(nameof(clients), "secure aggregation needs at least 3 clients");
        for (int k = 2; k < clients - 1; k += 2)
            if (clients * TooFewLive(k, DefaultThreshold(k), 1 - DesignDropout) <= DesignFailure) return k;
        return clients - 1;
    }

    /// <summary>P[Binomial(k, p) &lt; t], summed in log space so that large k does not underflow.</summary>
    static double TooFewLive(int k, int t, double p)
    {
        double logPmf = k * Math.Log(1 - p), ratio = Math.Log(p / (1 - p)), sum = 0;
        for (int j = 0; j < t; j++)
        {
            sum += Math.Exp(logPmf);
            logPmf += Math.Log((double)(k - j) / (j + 1)) + ratio;
        }
        return sum;
    }

    public static SecAggParameters Create(string jobId, int round, int clients, int length, int bits, int? degree = null, int? threshold = null, int graphSeed = 0)
    {
        int k = degree ?? DefaultDegree(clients);
        var p = new SecAggParameters
        {
            JobId = jobId, Round = round, Clients = clients, Length = length, Bits = bits,
            Degree = k, Threshold = threshold ?? DefaultThreshold(Math.Min(k, clients - 1)), GraphSeed = graphSeed,
        };
        Validate(p);
        return p;
    }

    /// <summary>Throws ArgumentException naming what is out of range.</summary>
    public static void Validate(SecAggParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.JobId is null) throw new ArgumentException("a round needs its job id", nameof(p));
        if (p.Round < 0) throw new ArgumentException($"round {p.Round} is negative", nameof(p));
        if (p.Clients < 3) throw new ArgumentException($"secure aggregation needs at least 3 clients, not {p.Clients}", nameof(p));
        if (p.Degree < 2 || p.Degree > p.Clients - 1) throw new ArgumentException($"degree k = {p.Degree} must be in 2..{p.Clients - 1}", nameof(p));
        if (p.Threshold < 2 || p.Threshold > p.Degree) throw new ArgumentException($"threshold t = {p.Threshold} must be in 2..k = {p.Degree}", nameof(p));
        if (p.Bits is < 1 or > 32) throw new ArgumentException($"b = {p.Bits} bits must be in 1..32", nameof(p));
        if (p.Length < 1 || p.Length > int.MaxValue / 4) throw new ArgumentException($"length {p.Length} is out of range", nameof(p));
    }
}
