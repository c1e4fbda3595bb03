using System.Diagnostics;
using System.Text.Json;

namespace Tessera.Cli.Commands;

/// <summary>web/tools/browser-driver.mjs: headless Chromium through playwright-core, one command at a time, for the benches that need tabs.</summary>
internal sealed class BrowserDriver : IDisposable
{
    readonly Process _p;
    BrowserDriver(Process p) => _p = p;

    public static BrowserDriver Start(string web, string chromium, IEnumerable<(string Name, string Url)> pages, Dictionary<string, string>? files = null)
    {
        var config = JsonSerializer.Serialize(new { executable = chromium, pages = pages.Select(p => new { name = p.Name, url = p.Url }), files = files ?? [] });
        var psi = new ProcessStartInfo("node") { WorkingDirectory = web, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
        psi.ArgumentList.Add(Path.Combine(web, "tools", "browser-driver.mjs"));
        psi.ArgumentList.Add(config);
        var d = new BrowserDriver(Process.Start(psi)!);
        if (d.Line() != "READY") throw new InvalidOperationException("the browser driver did not start");
        return d;
    }

    public JsonElement Eval(string page, string expression)
    {
        _p.StandardInput.WriteLine($"eval {page} {expression}");
        _p.StandardInput.Flush();
        var line = Line();
        if (!line.StartsWith("EVAL ", StringComparison.Ordinal)) throw new InvalidOperationException($"browser: {line}");
        return JsonDocument.Parse(line[5..]).RootElement;
    }

    string Line() => _p.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the browser driver exited");

    public void Dispose()
    {
        try { _p.StandardInput.WriteLine("quit"); _p.StandardInput.Flush(); if (!_p.WaitForExit(20_000)) _p.Kill(true); }
        catch (IOException) { }
        _p.Dispose();
    }
}
