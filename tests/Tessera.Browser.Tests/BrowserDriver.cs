using System.Diagnostics;
using System.Text.Json;

namespace Tessera.Browser.Tests;

/// <summary>
/// Headless Chromium driven by web/tools/browser-driver.mjs (playwright-core over the system's /usr/bin/chromium),
/// one tab per named page. Commands go over stdin; answers come back as single lines.
/// </summary>
public sealed class BrowserDriver : IDisposable
{
    public const string Chromium = "/usr/bin/chromium";
    readonly Process _process;
    readonly StreamWriter _stdin;
    readonly System.Text.StringBuilder _stderr = new();

    BrowserDriver(Process p)
    {
        _process = p;
        _stdin = p.StandardInput;
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
    }

    public string Errors { get { lock (_stderr) return _stderr.ToString(); } }

    public static BrowserDriver Start(params (string Name, string Url)[] pages)
    {
        Require();
        var config = JsonSerializer.Serialize(new { executable = Chromium, pages = pages.Select(p => new { name = p.Name, url = p.Url }) });
        var psi = new ProcessStartInfo("node")
        {
            ArgumentList = { Path.Combine(RepoPaths.Web, "tools", "browser-driver.mjs"), config },
            WorkingDirectory = RepoPaths.Web, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        var driver = new BrowserDriver(Process.Start(psi)!);
        driver.Expect("READY", TimeSpan.FromMinutes(2));
        return driver;
    }

    /// <summary>Fails with what to run when the browser side is not installed (scripts/fetch-deps.sh does it).</summary>
    public static void Require()
    {
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"{Chromium} is missing: run scripts/fetch-deps.sh (apt-get install chromium)");
        if (!File.Exists(Path.Combine(RepoPaths.Web, "dist", "worker.html")))
            throw new InvalidOperationException("web/dist is missing: run scripts/fetch-deps.sh (npm ci && npm run build in web/)");
        if (!File.Exists(Path.Combine(RepoPaths.Web, "node_modules", "playwright-core", "package.json")))
            throw new InvalidOperationException("web/node_modules lacks playwright-core: run scripts/fetch-deps.sh");
    }

    public JsonElement State() => JsonDocument.Parse(Command("state", "STATE ")).RootElement;

    public JsonElement Uploads(string page) => JsonDocument.Parse(Command($"uploads {page}", "UPLOADS ")).RootElement;

    public JsonElement Eval(string page, string expression) => JsonDocument.Parse(Command($"eval {page} {expression.ReplaceLineEndings(" ")}", "EVAL ", TimeSpan.FromMinutes(5))).RootElement;

    public void Screenshot(string page, string file) => Command($"screenshot {page} {file}", "OK");

    /// <summary>Picks local files (or one folder, for a webkitdirectory input) in a page's file input, as a person would.</summary>
    public void PickFiles(string page, string selector, params string[] paths) =>
        Command($"files {page} {JsonSerializer.Serialize(new { selector, paths })}", "OK");

    /// <summary>Every request the pages and their Web Workers have sent so far, with its body.</summary>
    public IReadOnlyList<SentRequest> Requests() =>
        JsonDocument.Parse(Command("requests", "REQUESTS ", TimeSpan.FromMinutes(2))).RootElement.EnumerateArray()
            .Select(r => new SentRequest(r.GetProperty("page").GetString()!, r.GetProperty("method").GetString()!, new Uri(r.GetProperty("url").GetString()!),
                Convert.FromBase64String(r.GetProperty("body").GetString()!))).ToList();

    /// <summary>Closes a tab the way a user would: its Web Worker dies with it, mid-task or not.</summary>
    public void Close(string page) => Command($"close {page}", "OK");

    /// <summary>Polls the pages' state until the condition holds.</summary>
    public async Task<JsonElement> WaitFor(Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        JsonElement state;
        while (!condition(state = State()))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{what} did not happen within {timeout}; last state {state}\n{Errors}");
            await Task.Delay(500);
        }
        return state;
    }

    string Command(string line, string prefix, TimeSpan? timeout = null)
    {
        _stdin.WriteLine(line);
        _stdin.Flush();
        return Expect(prefix, timeout ?? TimeSpan.FromSeconds(60));
    }

    string Expect(string prefix, TimeSpan timeout)
    {
        var read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(timeout)) throw new TimeoutException($"browser driver gave no '{prefix}' answer in {timeout}\n{Errors}");
        var text = read.Result ?? throw new InvalidOperationException($"browser driver exited ({Errors})");
        if (text.StartsWith("ERROR", StringComparison.Ordinal)) throw new InvalidOperationException($"browser driver: {text}\n{Errors}");
        if (!text.StartsWith(prefix, StringComparison.Ordinal)) throw new InvalidOperationException($"browser driver answered '{text}', expected '{prefix}...'");
        return text[prefix.Length..];
    }

    public void Dispose()
    {
        try
        {
            _stdin.WriteLine("quit");
            _stdin.Flush();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(20))) _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException) { }
        _process.Dispose();
    }
}

/// <summary>One request a page sent: which tab, the method, the URL and the body bytes.</summary>
public sealed record SentRequest(string Page, string Method, Uri Url, byte[] Body);
