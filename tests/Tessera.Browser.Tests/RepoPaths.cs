namespace Tessera.Browser.Tests;

static class RepoPaths
{
    public static string Root { get; } = Find();
    public static string Web => Path.Combine(Root, "web");

    /// <summary>Screenshots and other artifacts a person looks at after a run.</summary>
    public static string Artifacts
    {
        get
        {
            var dir = Path.Combine(Root, "out", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Tessera.slnx) not found above the test binaries");
    }
}
