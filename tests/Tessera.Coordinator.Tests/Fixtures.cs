namespace Tessera.Coordinator.Tests;

/// <summary>The committed test fixtures (tests/fixtures), found from the test binary upwards.</summary>
static class Fixtures
{
    public static string Path(string folder, string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Tessera.slnx"))) return System.IO.Path.Combine(d.FullName, "tests", "fixtures", folder, name);
        throw new DirectoryNotFoundException("repository root not found");
    }
}
