using System.Text.Json;
using Tessera.Coordinator;
using Tessera.Coordinator.Api;
using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Cli.Tests;

/// <summary>`tessera estimate`: a zoo job and a user's ONNX job on a stated fleet, on a coordinator's pool, and bad input as one line.</summary>
public class EstimateCommandTests
{
    const string Zoo = """
        name: quick
        model: 2nn
        rounds: 10
        clients_per_round: 4
        data: { dataset: synthetic, clients: 8 }
        local: { batch_size: 10, epochs: 1 }
        """;

    static EstimateResponse Json(CliRunner.Result run)
    {
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        return JsonSerializer.Deserialize<EstimateResponse>(run.StdOut, WireJson.Options)!;
    }

    [Fact]
    public void A_zoo_job_on_a_stated_fleet_costs_its_artifacts_flops_times_the_assigned_samples()
    {
        var dir = CliRunner.Workspace(Zoo);
        var e = Json(CliRunner.Run(dir, "estimate", "job.yaml", "--fleet", "4x200", "--json")).Estimate;
        var plan = JobPlan.From(JobSpecParser.Parse(Zoo));
        long flopsPerSample = ArtifactCompiler.CompileTraining(plan.CreateModel(), plan.Options).Manifest.FlopsPerSample;
        // 6000 synthetic samples over 8 clients: 750 each, 75 steps of 10; 10 rounds × 4 tasks.
        Assert.Equal(10L * 4 * 750, e.TrainingSamples);
        Assert.Equal((double)flopsPerSample * e.TrainingSamples, e.TrainingFlops);
        Assert.Equal(e.TrainingFlops / 1e9, e.Credits);
        Assert.Equal(4, e.Workers);
        Assert.True(e.EtaP90Seconds >= e.EtaP50Seconds);

        var slower = Json(CliRunner.Run(dir, "estimate", "job.yaml", "--fleet", "4x200", "--availability", "0.6", "--json")).Estimate;
        Assert.True(slower.EtaP50Seconds > e.EtaP50Seconds);

        var table = CliRunner.Run(dir, "estimate", "job.yaml", "--fleet", "4x200");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("ETA p50 / p90", table.StdOut);
        Assert.Contains("credits", table.StdOut);
    }

    [Fact]
    public void A_users_onnx_model_is_read_relative_to_the_spec()
    {
        var dir = CliRunner.Workspace("""
            name: trees
            model: { onnx: models/net.onnx, loss: softmax_cross_entropy }
            data: { dataset: trees, path: data/trees.csv, clients: 6, format: { label: kind } }
            local: { epochs: 1, batch_size: 10 }
            clients_per_round: 3
            rounds: 4
            verification: { replay: off }
            """);
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        File.Copy(Fixture("models", "tabular_mlp.onnx"), Path.Combine(dir, "models", "net.onnx"));
        File.Copy(Fixture("data", "trees.csv"), Path.Combine(dir, "data", "trees.csv"));
        // Run from elsewhere: the model and data paths are the spec's, not the working folder's.
        var e = Json(CliRunner.Run(Path.GetTempPath(), "estimate", Path.Combine(dir, "job.yaml"), "--fleet", "3x100", "--json")).Estimate;
        Assert.True(e.TrainingFlops > 0);
        Assert.Equal(0, e.VerificationFlops);
        Assert.NotNull(e.EtaP50Seconds);
    }

    [Fact]
    public void Bad_input_is_one_line_naming_the_field_with_exit_code_2()
    {
        var dir = CliRunner.Workspace(Zoo);
        foreach (var (args, field) in new[]
        {
            (new[] { "--fleet", "4y200" }, "--fleet"),
            (new[] { "--fleet", "4x200", "--availability", "1.5" }, "--availability"),
            (new[] { "--server", "http://127.0.0.1:1", "--fleet", "4x200" }, "--fleet"),
            (new[] { "--server", "http://127.0.0.1:1" }, "--admin-key"),
        })
        {
            var run = CliRunner.Run(dir, ["estimate", "job.yaml", .. args]);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith($"error: {field}", run.StdErr);
            Assert.DoesNotContain("   at ", run.StdErr);
        }
        File.WriteAllText(Path.Combine(dir, "bad.yaml"), Zoo.Replace("rounds: 10", "rounds: many"));
        var bad = CliRunner.Run(dir, "estimate", "bad.yaml", "--fleet", "4x200");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("error: rounds", bad.StdErr);
    }

    [Fact]
    public async Task With_a_server_the_estimate_is_the_coordinators_on_its_live_pool()
    {
        var data = Directory.CreateTempSubdirectory("tessera-estimate-").FullName;
        await using var host = CoordinatorHost.Create(new CoordinatorOptions { DataDirectory = data, AdminKey = "k", PoolToken = "pool", Port = 0, Quiet = true });
        await host.StartAsync();
        var dir = CliRunner.Workspace(Zoo);
        var answer = Json(CliRunner.Run(dir, "estimate", "job.yaml", "--server", host.BaseUrl, "--admin-key", "k", "--json"));
        Assert.Contains("live pool", answer.Basis);
        Assert.Equal(0, answer.Estimate.Workers);
        Assert.Null(answer.Estimate.EtaP50Seconds);
        Assert.Equal(10L * 4 * 750, answer.Estimate.TrainingSamples);

        var refused = CliRunner.Run(dir, "estimate", "job.yaml", "--server", host.BaseUrl, "--admin-key", "wrong");
        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("error: --admin-key", refused.StdErr);
    }

    [Fact]
    public async Task An_onnx_job_goes_to_the_server_with_its_model_file()
    {
        var data = Directory.CreateTempSubdirectory("tessera-estimate-").FullName;
        await using var host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = data, AdminKey = "k", Port = 0, Quiet = true,
            Datasets = new Dictionary<string, DatasetFiles> { ["trees"] = new(Fixture("data", "trees.csv")) },
        });
        await host.StartAsync();
        var dir = CliRunner.Workspace("""
            name: trees
            model: { onnx: models/net.onnx, loss: softmax_cross_entropy }
            data: { dataset: trees, path: data/trees.csv, clients: 6, format: { label: kind } }
            local: { epochs: 1, batch_size: 10 }
            clients_per_round: 3
            rounds: 4
            """);
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        File.Copy(Fixture("models", "tabular_mlp.onnx"), Path.Combine(dir, "models", "net.onnx"));
        File.Copy(Fixture("data", "trees.csv"), Path.Combine(dir, "data", "trees.csv"));
        // The coordinator reads the data set's files from `serve --dataset`, never from the spec: its copy names no path.
        File.WriteAllText(Path.Combine(dir, "served.yaml"), File.ReadAllText(Path.Combine(dir, "job.yaml")).Replace("path: data/trees.csv, ", ""));
        var local = Json(CliRunner.Run(dir, "estimate", "job.yaml", "--json")).Estimate;
        var remote = Json(CliRunner.Run(dir, "estimate", "served.yaml", "--server", host.BaseUrl, "--admin-key", "k", "--json")).Estimate;
        // The same artifact and the same six shards on both sides: the same work, found by the coordinator from the uploaded file.
        Assert.True(remote.TrainingFlops > 0);
        Assert.Equal(local.TrainingFlops, remote.TrainingFlops);
        Assert.Equal(local.TrainingSamples, remote.TrainingSamples);

        File.Delete(Path.Combine(dir, "models", "net.onnx"));
        var missing = CliRunner.Run(dir, "estimate", "served.yaml", "--server", host.BaseUrl, "--admin-key", "k");
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("error: model.onnx", missing.StdErr);
    }

    static string Fixture(string folder, string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return Path.Combine(d.FullName, "tests", "fixtures", folder, name);
        throw new DirectoryNotFoundException("repository root not found");
    }
}
