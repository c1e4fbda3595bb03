using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Tessera.Coordinator.Api;
using Tessera.Federation.Planning;
using Tessera.Protocol.Wire;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// A real job as a user brings it: a torch.onnx.export model (tests/fixtures/models) sent with its spec or uploaded
/// first, trained by .NET workers on CSV files that stay on their machines (tests/fixtures/data), evaluated on a
/// coordinator-side data set, and exported as ONNX that scores what the coordinator reported.
/// </summary>
[Collection("coordinator")]
public sealed class UserJobTests : IAsyncLifetime
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;
    CoordinatorHost _host = null!;
    HttpClient _http = null!;

    static string Fixture(string folder, string name) => Fixtures.Path(folder, name);

    public async Task InitializeAsync()
    {
        _host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = _data, AdminKey = "k", Port = 0, Quiet = true, SelectionWindow = TimeSpan.FromSeconds(1),
            Datasets = new Dictionary<string, DatasetFiles>
            {
                ["trees"] = new(Fixture("data", "trees.csv")),
                ["trees-holdout"] = new(Fixture("data", "trees-test.csv")),
            },
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_host.BaseUrl) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.StopAsync();
    }

    const string OnWorkersSpec = """
        name: trees-on-sites
        model: { onnx: net.onnx, loss: softmax_cross_entropy }
        data: { dataset: trees, on_workers: true, format: { label: kind } }
        evaluation: { dataset: trees-holdout, federated_every: 1 }
        rounds: 3
        clients_per_round: 3
        local: { batch_size: 10, lr: 0.1 }
        """;

    async Task<HttpResponseMessage> PostMultipart(string spec, params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(spec), "spec" } };
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, name, name);
        }
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = form };
        req.Headers.Add("X-Api-Key", "k");
        return await _http.SendAsync(req);
    }

    [Fact]
    public async Task Workers_train_a_pytorch_model_on_their_own_csv_files_which_never_leave_them()
    {
        var res = await PostMultipart(OnWorkersSpec, ("net.onnx", File.ReadAllBytes(Fixture("models", "tabular_mlp.onnx"))));
        Assert.True(res.StatusCode == HttpStatusCode.Created, await res.Content.ReadAsStringAsync());
        var job = JsonSerializer.Deserialize<JobCreated>(await res.Content.ReadAsStringAsync(), WireJson.Options)!;
        Assert.Equal("net", job.Job.Model);   // the file's name, kept when the model is stored by its hash

        await using var proxy = new RecordingProxy(_host.BaseUrl);
        await using var pool = new WorkerPool();
        // Sites a and b hold a held-out split (the holdout file, so their federated evaluation can be checked against the
        // coordinator's); site c has none and is skipped.
        foreach (var site in new[] { "a", "b", "c" })
            pool.Add(Worker(proxy.Url, job.JoinToken, $"site-{site}",
                new() { ["trees"] = new(Fixture("data", $"trees-{site}.csv"), site == "c" ? null : Fixture("data", "trees-test.csv")) }));
        // A worker holding only another data set is never sent this job's tasks.
        pool.Add(Worker(_host.BaseUrl, job.JoinToken, "elsewhere", new() { ["orchards"] = new(Fixture("data", "trees.csv")) }));

        using var admin = new AdminApi(_host.BaseUrl, "k");
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.True(done.Status == "completed", done.Error);
        var rounds = await admin.Rounds(job.Id);
        Assert.Equal(3, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(600, r.Samples));   // one epoch over each site's 200 rows
        // Federated evaluation: from round 2 on, each round's tasks first evaluated the model they started from (the
        // previous round's) on sites a and b's held-out data, weighted by samples: the coordinator's figures for it.
        Assert.Null(rounds[0].FedSamples);   // version 0 is not evaluated
        for (int i = 1; i < rounds.Count; i++)
        {
            Assert.Equal(600, rounds[i].FedSamples);
            Assert.Equal(rounds[i - 1].TestAccuracy!.Value, rounds[i].FedAccuracy!.Value, 6);
            Assert.Equal(rounds[i - 1].TestLoss!.Value, rounds[i].FedLoss!.Value, 4);
        }
        var ledger = await admin.Ledger(job.Id);
        Assert.Equal(["site-a", "site-b", "site-c"], ledger.Select(l => l.Name).Order());
        Assert.False(Directory.Exists(Path.Combine(_data, "blobs", "shards", job.Id)), "the coordinator cut shards of data that stays on the workers");

        // Every byte the sites sent: no feature value of their files, as CSV text or as float32, is among them.
        var sent = proxy.Sent();
        Assert.True(sent.Length > 0);
        foreach (var site in new[] { "a", "b", "c" })
            foreach (var row in File.ReadLines(Fixture("data", $"trees-{site}.csv")).Skip(1).Take(40))
            {
                var cells = row.Split(',');
                Assert.False(Contains(sent, Encoding.UTF8.GetBytes(string.Join(',', cells[1..4]))), $"site {site} sent the text of a row: {row}");
                var floats = cells[1..5].Select(c => float.Parse(c, CultureInfo.InvariantCulture)).ToArray();
                Assert.False(Contains(sent, System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray()), $"site {site} sent the features of a row: {row}");
            }

        // The exported ONNX model loads in ONNX Runtime and scores on the holdout what the coordinator reported.
        var onnx = await _http.GetByteArrayAsync($"/api/v1/jobs/{job.Id}/model?format=onnx");
        var (x, y) = ReadTrees(Fixture("data", "trees-test.csv"));
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [y.Length, 8]);
        using var outputs = session.Run(new RunOptions(), [session.InputNames[0]], [input], [session.OutputNames[0]]);
        var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        double accuracy = Enumerable.Range(0, y.Length).Count(i => ArgMax(logits.AsSpan(i * 3, 3)) == y[i]) / (double)y.Length;
        Assert.Equal(rounds[^1].TestAccuracy!.Value, accuracy, 6);
        Assert.True(accuracy > 0.9, $"holdout accuracy {accuracy}");
    }

    [Fact]
    public async Task A_model_uploaded_first_is_named_by_sha256_and_trains_on_coordinator_shards()
    {
        using var upload = new ByteArrayContent(File.ReadAllBytes(Fixture("models", "tabular_mlp.onnx")));
        var uploaded = await Admin(HttpMethod.Post, "/api/v1/models", upload);
        Assert.Equal(HttpStatusCode.Created, uploaded.Status);
        var sha = JsonDocument.Parse(uploaded.Body).RootElement.GetProperty("sha256").GetString()!;
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Fixture("models", "tabular_mlp.onnx")))), sha);

        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob($$"""
            name: trees-shards
            model: { sha256: {{sha}} }
            data: { dataset: trees, clients: 3, format: { label: kind } }
            rounds: 2
            clients_per_round: 2
            local: { batch_size: 10, lr: 0.1 }
            """);
        await using var pool = new WorkerPool();
        pool.Add(_host.BaseUrl, job.JoinToken, "w1");
        pool.Add(_host.BaseUrl, job.JoinToken, "w2");
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.True(done.Status == "completed", done.Error);
        var rounds = await admin.Rounds(job.Id);
        // Evaluated on the 20% of trees.csv the job's seed held out (120 rows), never on MNIST.
        Assert.True(rounds[^1].TestAccuracy > 0.8, $"accuracy {rounds[^1].TestAccuracy}");
        Assert.True(Directory.Exists(Path.Combine(_data, "blobs", "shards", job.Id)));
    }

    [Theory]
    [InlineData("model: { onnx: net.onnx }", "net.onnx", "model.onnx", "not a readable ONNX model")]
    [InlineData("model: { onnx: missing.onnx }", "net.onnx", "model.onnx", "no file part named 'missing.onnx'")]
    [InlineData("model: { sha256: 0000000000000000000000000000000000000000000000000000000000000000 }", null, "model.sha256", "POST it to /api/v1/models")]
    [InlineData("model: { onnx: net.onnx }\ndata: { dataset: nowhere }", "tabular_mlp.onnx", "data.dataset", "'nowhere' is not a bundled data set")]
    [InlineData("model: { onnx: net.onnx, loss: bce_with_logits }\ndata: { dataset: trees, format: { label: kind, label_kind: class } }", "tabular_binary.onnx", "data", "needs float targets")]
    [InlineData("model: { onnx: net.onnx }\ndata: { dataset: trees }", "tabular_mlp.onnx", "data", "label column 'label' not in header")]
    [InlineData("model: { onnx: net.onnx }\ndata: { dataset: trees, path: /etc/passwd }", "tabular_mlp.onnx", "data.path", "does not read paths")]
    public async Task A_job_the_coordinator_cannot_serve_is_a_400_naming_the_field_and_creates_nothing(string yaml, string? file, string field, string message)
    {
        byte[] bytes = file switch
        {
            null => [],
            "net.onnx" => Encoding.UTF8.GetBytes("garbage, not protobuf"),
            var f => File.ReadAllBytes(Fixture("models", f)),
        };
        var res = await PostMultipart("name: bad\nlocal: { batch_size: 10 }\n" + yaml + (yaml.Contains("data:") ? "" : "\ndata: { dataset: trees, format: { label: kind } }"),
            file is null ? [] : [("net.onnx", bytes)]);
        var body = await res.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith(field + ":", error);
        Assert.Contains(message, error);
        Assert.Equal("[]", await _http.GetStringAsync("/api/v1/jobs"));
    }

    [Fact]
    public async Task Model_upload_needs_the_admin_key_and_onnx_bytes()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.PostAsync("/api/v1/models", new ByteArrayContent([1, 2, 3]))).StatusCode);
        var garbage = await Admin(HttpMethod.Post, "/api/v1/models", new ByteArrayContent(Encoding.UTF8.GetBytes("{\"not\": \"onnx\"}")));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);
        Assert.Contains("not a readable ONNX model", garbage.Body);
        Assert.False(Directory.Exists(Path.Combine(_data, "blobs", "models")) && Directory.EnumerateFiles(Path.Combine(_data, "blobs", "models")).Any());
    }

    static WorkerOptions Worker(string url, string token, string name, Dictionary<string, DatasetFiles> files) => new()
    {
        Server = new Uri(url), Token = token, Name = name, LocalFiles = files, Runtime = new Runtime.RuntimeOptions { IntraOpThreads = 1 },
        ReportedSpeed = 0, LongPoll = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1),
    };

    async Task<(HttpStatusCode Status, string Body)> Admin(HttpMethod method, string path, HttpContent content)
    {
        using var req = new HttpRequestMessage(method, path) { Content = content };
        req.Headers.Add("X-Api-Key", "k");
        using var res = await _http.SendAsync(req);
        return (res.StatusCode, await res.Content.ReadAsStringAsync());
    }

    static (float[] X, long[] Y) ReadTrees(string path)
    {
        string[] kinds = ["ash", "birch", "cedar"];
        var rows = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        return (rows.SelectMany(r => r[1..].Select(c => float.Parse(c, CultureInfo.InvariantCulture))).ToArray(),
            rows.Select(r => (long)Array.IndexOf(kinds, r[0])).ToArray());
    }

    static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
