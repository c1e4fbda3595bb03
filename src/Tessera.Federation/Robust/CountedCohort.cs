namespace Tessera.Federation.Robust;

/// <summary>
/// A round's cohort narrowed to exactly the updates the round counted: everything buffered for it may hold more (a
/// fold whose report was refused, because the round was abandoned meanwhile, stays buffered but not counted). Each
/// counted client must be there exactly once; otherwise the buffer cannot be the round's and the caller re-runs it.
/// </summary>
public static class CountedCohort
{
    /// <returns>The cohort, or null and why the buffered updates are not the round's.</returns>
    public static (IUpdateSet? Cohort, string? Why) Of(IUpdateSet buffered, IReadOnlySet<string> counted)
    {
        var picked = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < buffered.Count; i++)
        {
            string client = buffered.ClientId(i);
            if (!counted.Contains(client)) continue;
            if (!seen.Add(client)) return (null, $"two updates of {client} are buffered");
            picked.Add(i);
        }
        if (picked.Count != counted.Count) return (null, $"{picked.Count} of the {counted.Count} counted updates are buffered");
        return (picked.Count == buffered.Count ? buffered : new UpdateSubset(buffered, picked), null);
    }
}
