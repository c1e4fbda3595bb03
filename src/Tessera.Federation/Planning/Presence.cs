namespace Tessera.Federation.Planning;

/// <summary>
/// One worker's presence over a simulated job: present and absent stretches alternate, absences exponential with the
/// worker's mean length, presences with the mean that gives its availability (a : 1 − a). The state carries over
/// from round to round, so short rounds see the same absence, as they do in a real pool.
/// </summary>
sealed class Presence
{
    readonly double _meanAbsent, _meanPresent;
    readonly Random _rng;

    public Presence(double availability, double meanAbsentSeconds, Random rng)
    {
        _rng = rng;
        _meanAbsent = meanAbsentSeconds;
        _meanPresent = availability >= 1 ? double.PositiveInfinity : meanAbsentSeconds * availability / (1 - availability);
        // Exponential stretches are memoryless: the first one starts at 0 in its stationary state.
        IsPresent = availability >= 1 || rng.NextDouble() < availability;
        Changes = IsPresent ? Draw(_meanPresent) : Draw(_meanAbsent);
    }

    public bool IsPresent { get; private set; }
    /// <summary>When the current stretch ends.</summary>
    public double Changes { get; private set; }

    /// <summary>Moves the timeline to <paramref name="time"/>.</summary>
    public void At(double time)
    {
        while (Changes <= time)
        {
            IsPresent = !IsPresent;
            Changes += IsPresent ? Draw(_meanPresent) : Draw(_meanAbsent);
        }
    }

    double Draw(double mean) => double.IsPositiveInfinity(mean) ? double.PositiveInfinity : -mean * Math.Log(1 - _rng.NextDouble());
}
