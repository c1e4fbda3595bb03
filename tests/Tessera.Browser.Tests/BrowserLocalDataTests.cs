using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SkiaSharp;
using Tessera.Data.Loading;
using Tessera.Federation.Planning;

namespace Tessera.Browser.Tests;

/// <summary>
/// A tab trains on data its person picked (a CSV file, a folder of images): the coordinator invites it to jobs
/// naming that data set, it reads the files exactly as the .NET worker's loaders do, and nothing of them is sent.
/// </summary>
[Collection("browser")]
public sealed class BrowserLocalDataTests : IDisposable
{
    readonly string _temp = Directory.CreateTempSubdirectory("tessera-local-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_temp, true); } catch (IOException) { }
    }

    static string Fixture(string folder, string name) => Path.Combine(RepoPaths.Root, "tests", "fixtures", folder, name);

    static Task<TestCoordinator> Coordinator() =>
        TestCoordinator.Start(new Dictionary<string, DatasetFiles> { ["trees-holdout"] = new(Fixture("data", "trees-test.csv")) });

    static Task<Tessera.Coordinator.Api.JobCreated> OnWorkersJob(TestCoordinator c, int rounds) => c.CreateJob($"""
        name: trees-in-a-tab
        model: {"{"} onnx: net.onnx, loss: softmax_cross_entropy {"}"}
        data: {"{"} dataset: trees, on_workers: true, format: {"{"} label: kind {"}"} {"}"}
        evaluation: {"{"} dataset: trees-holdout {"}"}
        rounds: {rounds}
        clients_per_round: 1
        local: {"{"} batch_size: 10, lr: 0.1 {"}"}
        """, "net.onnx", File.ReadAllBytes(Fixture("models", "tabular_mlp.onnx")));

    static string Local(JsonElement state, string page, string field) => state.GetProperty(page).GetProperty("local").GetProperty(field).GetString()!;

    [Fact]
    public async Task A_tab_trains_on_the_csv_it_picked_and_sends_none_of_it()
    {
        await using var c = await Coordinator();
        var job = await OnWorkersJob(c, rounds: 2);
        using var browser = BrowserDriver.Start(("a", $"{c.Url}/worker?token={job.JoinToken}&name=tab-a&dataset=trees&autostart=0"));
        string csv = Fixture("data", "trees-a.csv");
        browser.PickFiles("a", "#csv", csv);
        var picked = await browser.WaitFor(s => Local(s, "a", "summary") != "" || Local(s, "a", "error") != "", TimeSpan.FromSeconds(30), "the pick read");
        // No 'label' column: the first non-numeric one is shown until the job's format says.
        Assert.Equal("trees-a.csv: 200 rows, 8 features, label 'kind': 3 classes (ash, birch, cedar)", Local(picked, "a", "summary"));
        browser.Eval("a", "document.getElementById('join').click()");

        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed" or "paused", TimeSpan.FromMinutes(4));
        Assert.True(done.Status == "completed", $"{done.Status}: {done.Error} {done.LastDeclined}");
        var rounds = await c.Rounds(job.Id);
        Assert.Equal(2, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(200, r.Samples)); // one epoch over the CSV's 200 rows
        Assert.True(rounds[^1].TestAccuracy > 0.8, $"holdout accuracy {rounds[^1].TestAccuracy}");
        var state = browser.State();
        Assert.Equal("trees-a.csv: 200 rows of [8], 3 classes (ash, birch, cedar)", Local(state, "a", "summary"));

        var sent = browser.Requests();
        // The recorder sees the Web Worker's requests too (it long-polls and uploads), so "nothing sent" means something.
        Assert.Contains(sent, r => r.Url.AbsolutePath == "/api/v1/tasks/next");
        Assert.Contains(sent, r => r.Method == "POST" && r.Url.AbsolutePath.EndsWith("/result", StringComparison.Ordinal) && r.Body.Length > 0);
        var join = Encoding.UTF8.GetString(Assert.Single(sent, r => r.Url.AbsolutePath == "/api/v1/workers/join").Body);
        Assert.Contains("\"datasets\":[{\"name\":\"trees\",\"samples\":200}]", join);
        // Only the protocol and the page's own assets, all from the coordinator.
        var origin = new Uri(c.Url).GetLeftPart(UriPartial.Authority);
        // (A secure round's stages, privacy.secure_aggregation, are protocol requests too: BrowserSecureAggregationTests.)
        var gets = new Regex("^/(worker|favicon\\.ico|assets/.+|api/v1/(jobs|jobs/[^/]+/fates|ledger|tasks/next|artifacts/[0-9a-f]{64}|weights/[^/]+/[0-9]+|tasks/[^/]+/secagg/(neighbours|shares|unmask)))$");
        var posts = new Regex("^/api/v1/(workers/(join|heartbeat)|tasks/[^/]+/(result|decline)|tasks/[^/]+/secagg/(keys|shares|input|unmask))$");
        Assert.All(sent, r =>
        {
            Assert.Equal(origin, r.Url.GetLeftPart(UriPartial.Authority));
            Assert.True(r.Method switch { "GET" => gets.IsMatch(r.Url.AbsolutePath) && r.Body.Length == 0, "POST" => posts.IsMatch(r.Url.AbsolutePath), _ => false },
                $"not a protocol request: {r.Method} {r.Url} ({r.Body.Length} bytes)");
        });
        var everything = sent.SelectMany(r => Encoding.UTF8.GetBytes(r.Url.ToString()).Concat(r.Body)).ToArray();
        foreach (var row in File.ReadLines(csv).Skip(1))
        {
            var cells = row.Split(',');
            Assert.False(Contains(everything, Encoding.UTF8.GetBytes(string.Join(',', cells[1..4]))), $"the tab sent the text of a row: {row}");
            var floats = cells[1..5].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.False(Contains(everything, MemoryMarshal.AsBytes(floats.AsSpan()).ToArray()), $"the tab sent the features of a row: {row}");
        }
    }

    [Fact]
    public async Task A_tab_without_the_data_set_gets_no_task_and_a_bad_csv_shows_its_error_line()
    {
        await using var c = await Coordinator();
        var job = await OnWorkersJob(c, rounds: 1);
        using var browser = BrowserDriver.Start(
            ("plain", $"{c.Url}/worker?token={job.JoinToken}&name=plain"),
            ("bad", $"{c.Url}/worker?token={job.JoinToken}&name=bad&dataset=trees&autostart=0"));

        // A non-numeric feature is refused when picked, in one line naming the file, row and column.
        var lines = File.ReadAllLines(Fixture("data", "trees-a.csv"));
        string nonNumeric = Path.Combine(_temp, "bad-values.csv");
        File.WriteAllLines(nonNumeric, [.. lines[..2], lines[2].Replace(lines[2].Split(',')[3], "n/a", StringComparison.Ordinal), .. lines[3..]]);
        browser.PickFiles("bad", "#csv", nonNumeric);
        var s = await browser.WaitFor(s => Local(s, "bad", "error") != "", TimeSpan.FromSeconds(30), "the bad pick refused");
        Assert.Equal("bad-values.csv: row 3, column 'f2': 'n/a' is not a number", Local(s, "bad", "error"));
        Assert.Equal("error", browser.Eval("bad", "document.getElementById('local-info').className").GetString());
        Assert.Equal(Local(s, "bad", "error"), browser.Eval("bad", "document.getElementById('local-info').textContent").GetString());

        // A file without the job's label column is only found wrong when a task names the format: the tab declines it.
        string renamed = Path.Combine(_temp, "trees-renamed.csv");
        File.WriteAllLines(renamed, [lines[0].Replace("kind", "species", StringComparison.Ordinal), .. lines[1..]]);
        browser.PickFiles("bad", "#csv", renamed);
        await browser.WaitFor(s => Local(s, "bad", "summary").StartsWith("trees-renamed.csv: 200 rows", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the second pick read");
        browser.Eval("bad", "document.getElementById('join').click()");
        const string Missing = "trees-renamed.csv: label column 'kind' not in header [species, f0, f1, f2, f3, f4, f5, f6, f7]";
        s = await browser.WaitFor(s => s.GetProperty("bad").GetProperty("dropped").GetInt32() >= 1, TimeSpan.FromMinutes(2), "the bad tab declining");
        Assert.Equal($"declined: local data set 'trees': {Missing}", s.GetProperty("bad").GetProperty("lastDropped").GetString());
        Assert.Equal(Missing, Local(s, "bad", "error"));
        Assert.Equal(Missing, browser.Eval("bad", "document.getElementById('local-info').textContent").GetString());

        // The round still wants a worker, and the data-less tab is live and asking; it is never handed the task.
        await browser.WaitFor(s => s.GetProperty("plain").GetProperty("status").GetString() == "waiting for a task", TimeSpan.FromSeconds(30), "the plain tab polling");
        await Task.Delay(TimeSpan.FromSeconds(6));
        s = browser.State();
        Assert.Equal(("", 0, 0), (s.GetProperty("plain").GetProperty("job").GetString(), s.GetProperty("plain").GetProperty("tasksDone").GetInt32(), s.GetProperty("plain").GetProperty("dropped").GetInt32()));
        var plainPosts = browser.Requests().Where(r => r.Page == "plain" && r.Url.AbsolutePath.StartsWith("/api/v1/tasks/", StringComparison.Ordinal) && r.Method == "POST");
        Assert.Empty(plainPosts);
        Assert.Equal(0, (await c.Job(job.Id)).Version);
        Assert.Empty(await c.Ledger(job.Id));
    }

    [Fact]
    public async Task Picked_files_are_read_exactly_as_the_dotnet_loaders_read_them()
    {
        await using var c = await Coordinator();
        using var browser = BrowserDriver.Start(("p", $"{c.Url}/worker?autostart=0"));

        // CSV: text classes (ordinal order), and a float target read from another column.
        string csv = Fixture("data", "trees-a.csv");
        browser.PickFiles("p", "#csv", csv);
        await browser.WaitFor(s => Local(s, "p", "summary") != "", TimeSpan.FromSeconds(30), "the csv read");
        var classes = CsvLoader.Load(csv, "kind").Dataset;
        AssertSame(classes.Features, classes.Labels!.Select(l => (double)l).ToArray(), Read(browser, "{ label: 'kind' }", "[8]", "Int64"));
        var regression = CsvLoader.Load(csv, "f7", ["f0", "f2"], CsvLabelKind.Regression).Dataset;
        AssertSame(regression.Features, regression.Targets!.Select(t => (double)t).ToArray(), Read(browser, "{ label: 'f7', columns: ['f0', 'f2'], label_kind: 'float' }", "[2]", "Float"));
        Assert.Equal("trees-a.csv: a row of feature columns has sample shape [8] but the model takes [4]",
            Read(browser, "{ label: 'kind' }", "[4]", "Int64").GetProperty("error").GetString());
        Assert.Equal("trees-a.csv: label column 'species' not in header [kind, f0, f1, f2, f3, f4, f5, f6, f7]",
            Read(browser, "{ label: 'species' }", "[8]", "Int64").GetProperty("error").GetString());

        // Images: one folder per class, PNGs written here with SkiaSharp (the .NET loader's decoder).
        string root = Path.Combine(_temp, "shapes");
        var random = new Random(7);
        foreach (var (cls, count) in new[] { ("square", 2), ("circle", 3) })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < count; i++) WritePng(Path.Combine(root, cls, $"{i:00}.png"), 6, 8, random);
        }
        File.WriteAllText(Path.Combine(root, "notes.txt"), "not an image, not a class");
        browser.PickFiles("p", "#images", root);
        var s = await browser.WaitFor(s => Local(s, "p", "summary").StartsWith("shapes", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the folder read");
        Assert.Equal("shapes: 5 images, 2 classes (circle, square)", Local(s, "p", "summary"));
        foreach (int channels in new[] { 3, 1 })
        {
            float[] mean = channels == 3 ? [0.5f, 0.4f, 0.3f] : [0.5f], std = channels == 3 ? [0.25f, 0.2f, 0.3f] : [0.3f];
            var (images, names) = ImageFolderLoader.Load(root, [6, 8], channels, mean, std);
            Assert.Equal(["circle", "square"], names);
            var format = $"{{ channels: {channels}, mean: [{string.Join(',', mean.Select(m => m.ToString(CultureInfo.InvariantCulture)))}], std: [{string.Join(',', std.Select(m => m.ToString(CultureInfo.InvariantCulture)))}] }}";
            // Unset image_size follows the model's [C, H, W] input, as DatasetLoader does.
            AssertSame(images.Features, images.Labels!.Select(l => (double)l).ToArray(), Read(browser, format, $"[{channels}, 6, 8]", "Int64"));
        }
        Assert.Equal("shapes: images has sample shape [3, 6, 8] but the model takes [3, 4, 4]",
            Read(browser, "{ image_size: [6, 8] }", "[3, 4, 4]", "Int64").GetProperty("error").GetString());
    }

    static JsonElement Read(BrowserDriver browser, string format, string shape, string labelType) =>
        browser.Eval("p", $"window.tesseraLocalData.read({format}, {{ sampleShape: {shape}, labelType: '{labelType}' }})");

    static void AssertSame(float[] features, double[] labels, JsonElement read)
    {
        Assert.False(read.TryGetProperty("error", out var e), e.ToString());
        var x = read.GetProperty("x").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        Assert.Equal(features.Length, x.Length);
        for (int i = 0; i < x.Length; i++)
            if (BitConverter.SingleToInt32Bits(x[i]) != BitConverter.SingleToInt32Bits(features[i]))
                Assert.Fail($"feature {i}: browser {x[i]:R}, .NET {features[i]:R}");
        var key = read.GetProperty("y").ValueKind == JsonValueKind.Null ? "t" : "y";
        Assert.Equal(labels, read.GetProperty(key).EnumerateArray().Select(v => key == "t" ? (double)(float)v.GetDouble() : v.GetDouble()).ToArray());
    }

    static void WritePng(string path, int height, int width, Random random)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
