using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Tessera.Coordinator.Api;
using Tessera.Federation.Planning;
using Tessera.Graphs;
using Tessera.Protocol.Wire;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// A deployed FedBN job (model.fedbn): two .NET workers with their own CSV files, the second site's features on
/// another scale and offset (×10 + 10), train a PyTorch BatchNorm export. The global model's BatchNorm tensors
/// stay as imported; each worker keeps its own across tasks and evaluates with them.
/// </summary>
[Collection("coordinator")]
public sealed class FedBnJobTests : IAsyncLifetime
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-fedbn-").FullName;
    CoordinatorHost _host = null!;
    HttpClient _http = null!;

    static string Fixture(string folder, string name) => Fixtures.Path(folder, name);

    public async Task InitializeAsync()
    {
        _host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = Path.Combine(_data, "coordinator"), AdminKey = "k", Port = 0, Quiet = true, SelectionWindow = TimeSpan.FromSeconds(1),
            Datasets = new Dictionary<string, DatasetFiles> { ["trees"] = new(Fixture("data", "trees.csv")) },
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_host.BaseUrl) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.StopAsync();
    }

    /// <summary>A copy of a trees CSV with every feature read as ×10 + 10.</summary>
    string Shifted(string name)
    {
        var path = Path.Combine(_data, "shifted-" + name);
        File.WriteAllLines(path, File.ReadLines(Fixture("data", name)).Select((line, i) => i == 0 || line.Length == 0 ? line
            : string.Join(',', line.Split(',').Select((c, j) => j == 0 ? c : (float.Parse(c, CultureInfo.InvariantCulture) * 10 + 10).ToString("R", CultureInfo.InvariantCulture)))));
        return path;
    }

    [Fact]
    public async Task Workers_keep_their_own_batchnorm_tensors_and_the_global_ones_never_move()
    {
        var model = File.ReadAllBytes(Fixture("models", "tabular_bn.onnx"));
        var form = new MultipartFormDataContent { { new StringContent("""
            name: trees-fedbn
            model: { onnx: net.onnx, fedbn: true }
            data: { dataset: trees, on_workers: true, format: { label: kind } }
            evaluation: { federated_every: 1 }
            rounds: 3
            clients_per_round: 2
            local: { batch_size: 10, lr: 0.05 }
            """), "spec" } };
        var part = new ByteArrayContent(model);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "net.onnx", "net.onnx");
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = form };
        req.Headers.Add("X-Api-Key", "k");
        using var res = await _http.SendAsync(req);
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.StatusCode == HttpStatusCode.Created, body);
        var job = JsonSerializer.Deserialize<JobCreated>(body, WireJson.Options)!;

        await using var pool = new WorkerPool();
        var plain = pool.Add(Worker(job.JoinToken, "site-a", new(Fixture("data", "trees-a.csv"), Fixture("data", "trees-test.csv"))));
        var shifted = pool.Add(Worker(job.JoinToken, "site-b", new(Shifted("trees-b.csv"), Shifted("trees-test.csv"))));
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.True(done.Status == "completed", done.Error);
        var rounds = await admin.Rounds(job.Id);
        Assert.Equal(3, rounds.Count);

        // The global model: every BatchNorm tensor as imported, the other weights trained.
        var imported = OnnxModel.FromBytes(model).Graph.Initializers;
        var global = OnnxModel.FromBytes(await _http.GetByteArrayAsync($"/api/v1/jobs/{job.Id}/model?format=onnx")).Graph.Initializers;
        string[] bn = ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"];
        foreach (var name in bn) Assert.Equal(imported[name].ToFloats(), global[name].ToFloats());
        Assert.NotEqual(imported["fc1.weight"].ToFloats(), global["fc1.weight"].ToFloats());

        // Each worker's own: both trained (not the global values), and the shifted site's statistics are its data's.
        var a = plain.LocalTensors.Kept(job.Id)!;
        var b = shifted.LocalTensors.Kept(job.Id)!;
        Assert.Equal(bn.Order(), a.Keys.Order());
        foreach (var name in bn)
        {
            Assert.NotEqual(global[name].ToFloats(), a[name]);
            Assert.NotEqual(a[name], b[name]);
        }
        Assert.True(b["bn.running_var"].Average() > 20 * a["bn.running_var"].Average(),
            $"running variances {a["bn.running_var"].Average()} and {b["bn.running_var"].Average()}");

        // Federated evaluation ran each site's own model (global weights + its BatchNorm) on its own held-out split.
        // Measured: 1.00 after rounds 1 and 2; the global model with the imported BatchNorm scored 0.85 and 0.92.
        foreach (var r in rounds.Skip(1))
        {
            Assert.Equal(600, r.FedSamples);
            Assert.True(r.FedAccuracy >= 0.97, $"federated accuracy by round: {string.Join(", ", rounds.Select(x => x.FedAccuracy))}");
        }
    }

    [Fact]
    public async Task A_fedbn_job_on_coordinator_shards_trains_unaudited_and_keeps_the_global_batchnorm()
    {
        var model = File.ReadAllBytes(Fixture("models", "tabular_bn.onnx"));
        using var upload = new ByteArrayContent(model);
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models") { Content = upload };
        req.Headers.Add("X-Api-Key", "k");
        using var res = await _http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var sha = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("sha256").GetString()!;

        using var admin = new AdminApi(_host.BaseUrl, "k");
        // A replay cannot know a worker's own BatchNorm tensors: replay is off by default (FedBnSpecTests), so no audit
        // fails an honest worker whose update started from its own values.
        var job = await admin.CreateJob($$"""
            name: trees-shards-fedbn
            model: { sha256: {{sha}}, fedbn: true }
            data: { dataset: trees, clients: 2, format: { label: kind } }
            rounds: 2
            clients_per_round: 2
            local: { batch_size: 10, lr: 0.05 }
            """);
        await using var pool = new WorkerPool();
        var workers = new[] { pool.Add(_host.BaseUrl, job.JoinToken, "w1"), pool.Add(_host.BaseUrl, job.JoinToken, "w2") };
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.True(done.Status == "completed", done.Error);
        Assert.Equal(2, (await admin.Rounds(job.Id)).Count);

        var imported = OnnxModel.FromBytes(model).Graph.Initializers;
        var global = OnnxModel.FromBytes(await _http.GetByteArrayAsync($"/api/v1/jobs/{job.Id}/model?format=onnx")).Graph.Initializers;
        foreach (var name in new[] { "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var" })
            Assert.Equal(imported[name].ToFloats(), global[name].ToFloats());
        // Whoever trained kept its own: the values follow the worker (the device), whichever shard it was sent.
        var kept = workers.Select(w => w.LocalTensors.Kept(job.Id)).OfType<IReadOnlyDictionary<string, float[]>>().ToList();
        Assert.NotEmpty(kept);
        Assert.All(kept, k => Assert.NotEqual(imported["bn.running_var"].ToFloats(), k["bn.running_var"]));
    }

    WorkerOptions Worker(string token, string name, DatasetFiles trees) => new()
    {
        Server = new Uri(_host.BaseUrl), Token = token, Name = name, LocalFiles = new Dictionary<string, DatasetFiles> { ["trees"] = trees },
        Runtime = new Runtime.RuntimeOptions { IntraOpThreads = 1 }, ReportedSpeed = 0, LongPoll = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1),
    };
}
