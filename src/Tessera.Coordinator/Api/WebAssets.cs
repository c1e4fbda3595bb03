using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Serves the browser side from the coordinator itself (no CDN): the dashboard at /, the browser worker at
/// /worker, the built bundles at /assets/*, and onnxruntime-web's modules and .wasm files at /assets/ort/*.
/// Pages carry COOP/COEP so the page is cross-origin isolated and onnxruntime-web may use WASM threads.
/// The web folder is found by walking up from the app's base directory, or named by TESSERA_WEB_DIR.
/// </summary>
public static class WebAssets
{
    static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8", [".js"] = "text/javascript", [".mjs"] = "text/javascript", [".css"] = "text/css",
        [".wasm"] = "application/wasm", [".map"] = "application/json", [".json"] = "application/json",
    };

    /// <summary>Folders behind /assets/&lt;prefix&gt;/, relative to web/: the runtimes the pages load.</summary>
    static readonly (string Prefix, string Folder)[] Vendor =
    [
        ("ort/", "node_modules/onnxruntime-web/dist"),
        ("tfjs/", "node_modules/@tensorflow/tfjs/dist"),
        ("tfjs-wasm/", "node_modules/@tensorflow/tfjs-backend-wasm/dist"),
    ];

    public static void Map(WebApplication app)
    {
        var web = Locate();
        var dist = web is null ? null : Path.Combine(web, "dist");
        if (dist is null || !File.Exists(Path.Combine(dist, "worker.html")))
        {
            // Without a web build the API still works; say how to get the pages.
            app.MapGet("/", () => Results.Text("Tessera coordinator. API: /api/v1 (OpenAPI at /api/v1/openapi.json), metrics: /metrics\n" +
                "The dashboard and browser worker need a web build: (cd web && npm ci && npm run build)\n")).ExcludeFromDescription();
            return;
        }
        app.MapGet("/", (HttpContext ctx) => Serve(ctx, Path.Combine(dist, "dashboard.html"))).ExcludeFromDescription();
        app.MapGet("/favicon.ico", () => Results.NoContent()).ExcludeFromDescription(); // keeps browsers from logging a 404
        app.MapGet("/worker", (HttpContext ctx) => Serve(ctx, Path.Combine(dist, "worker.html"))).ExcludeFromDescription();
        app.MapGet("/bench", (HttpContext ctx) => Serve(ctx, Path.Combine(dist, "bench.html"))).ExcludeFromDescription();
        app.MapGet("/assets/{**path}", (string path, HttpContext ctx) =>
        {
            foreach (var (prefix, folder) in Vendor)
                if (path.StartsWith(prefix, StringComparison.Ordinal)) return Serve(ctx, Within(Path.Combine(web!, folder), path[prefix.Length..]));
            return Serve(ctx, Within(dist, path));
        }).ExcludeFromDescription();
    }

    /// <summary>The web/ folder (holding package.json and dist/), or null.</summary>
    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("TESSERA_WEB_DIR") is { Length: > 0 } env && Directory.Exists(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "web");
            if (File.Exists(Path.Combine(candidate, "package.json"))) return candidate;
        }
        return null;
    }

    /// <summary>The file under root, or null when the path escapes it (../) or names no file.</summary>
    static string? Within(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var rootFull = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        return full.StartsWith(rootFull, StringComparison.Ordinal) && File.Exists(full) ? full : null;
    }

    static IResult Serve(HttpContext ctx, string? file)
    {
        if (file is null || !File.Exists(file)) return ApiErrors.NotFound($"no such file: {ctx.Request.Path}");
        var h = ctx.Response.Headers;
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Cross-Origin-Embedder-Policy"] = "require-corp";
        h["Cross-Origin-Resource-Policy"] = "same-origin";
        h.CacheControl = "no-cache"; // revalidate (Last-Modified) so a rebuilt bundle is picked up at once
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
        return Results.File(file, type, lastModified: File.GetLastWriteTimeUtc(file), enableRangeProcessing: true);
    }
}
