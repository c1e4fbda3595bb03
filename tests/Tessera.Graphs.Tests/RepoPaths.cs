namespace Tessera.Graphs.Tests;

internal static class RepoPaths
{
    /// <summary>The repository root (the folder holding Tessera.slnx), found by walking up from the test binaries.</summary>
    public static string Root { get; } = Find();

    static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Tessera.slnx) not found above the test binaries");
    }
}
