namespace Tessera.Federation.Privacy.Accounting;

/// <summary>The Rényi orders an accountant tracks.</summary>
public static class RdpOrders
{
    /// <summary>
    /// dp_accounting's RdpAccountant default: 1.1 … 10.9 by 0.1, 11 … 63, then 128, 256, 512, 1024 (156 orders).
    /// The fine low end matters at large ε, the high end at small ε over many steps.
    /// </summary>
    public static IReadOnlyList<double> Default { get; } = Build();

    static double[] Build()
    {
        var orders = new List<double>(156);
        // 1 + x/10, as the reference writes it, so the orders are the same doubles (2.0, 3.0, … included).
        for (int x = 1; x < 100; x++) orders.Add(1 + x / 10.0);
        for (int a = 11; a < 64; a++) orders.Add(a);
        orders.AddRange([128, 256, 512, 1024]);
        return [.. orders];
    }
}
