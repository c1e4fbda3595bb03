using Tessera.Federation.Privacy.Accounting;

namespace Tessera.Federation.Tests.Privacy.Accounting;

/// <summary>log-gamma and log-erfc against libm's values (Python's math.lgamma / math.erfc) and erfc's asymptotic series.</summary>
public class SpecialFunctionsTests
{
    static void Close(double expected, double actual, double relative) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    [Theory]
    [InlineData(0.5, 0.5723649429247004)]
    [InlineData(1, 0.0)]
    [InlineData(2.5, 0.2846828704729196)]
    [InlineData(10, 12.801827480081467)]
    [InlineData(100.5, 361.4355404677776)]
    [InlineData(1025, 6078.211884750051)]
    [InlineData(-2.5, -0.05624371649767457)]   // log|Γ| on the negative axis, as scipy's gammaln
    [InlineData(-0.3, 1.4648400508576032)]
    [InlineData(0.001, 6.907178885383854)]
    public void Log_gamma_matches_libm(double x, double expected) => Close(expected, SpecialFunctions.LogGamma(x), 1e-14);

    [Theory]
    [InlineData(0.1, -0.11930497373739554)]
    [InlineData(0.5, -0.7350111298370844)]
    [InlineData(1.0, -1.8496055099332482)]
    [InlineData(1.2, -2.4114403551669295)]    // either side of the series / continued-fraction switch
    [InlineData(1.3, -2.7182209220903846)]
    [InlineData(2.0, -5.364941264616638)]
    [InlineData(5.0, -27.200889545537436)]
    [InlineData(10.0, -102.87988902484489)]
    [InlineData(30.0, -903.9741171106439)]    // erfc underflows past ~26; the asymptotic series gives these two
    [InlineData(300.0, -90006.27615297306)]
    [InlineData(-1.0, 0.6112323176780705)]
    [InlineData(-3.0, 0.6931361352504468)]
    public void Log_erfc_matches_libm_and_the_asymptotic_tail(double x, double expected) => Close(expected, SpecialFunctions.LogErfc(x), 1e-13);

    [Fact]
    public void Log1p_and_expm1_keep_tiny_arguments()
    {
        Assert.Equal(1e-20, SpecialFunctions.Log1p(1e-20));
        Assert.Equal(-1e-20, SpecialFunctions.Expm1(-1e-20));
        Close(Math.Log(1.5), SpecialFunctions.Log1p(0.5), 1e-15);
        Close(Math.Exp(0.3) - 1, SpecialFunctions.Expm1(0.3), 1e-15);
        Assert.Equal(double.NegativeInfinity, SpecialFunctions.Log1p(-1));
    }
}
