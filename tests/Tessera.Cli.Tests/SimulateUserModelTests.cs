using System.Globalization;
using System.Text;

namespace Tessera.Cli.Tests;

/// <summary>
/// `tessera simulate` on a user's own job: a real torch.onnx.export model (tests/fixtures/models) on a CSV the
/// spec names by a path relative to itself; a model or data that does not fit is one error line naming the field.
/// </summary>
public class SimulateUserModelTests
{
    static string Fixture(string folder, string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return Path.Combine(d.FullName, "tests", "fixtures", folder, name);
        throw new DirectoryNotFoundException("repository root not found");
    }

    /// <summary>tests/fixtures/data/trees.csv (label "kind" then f0..f7) keeping only the first <paramref name="features"/> features.</summary>
    static string TreesCsv(int features) => string.Join('\n',
        File.ReadAllLines(Fixture("data", "trees.csv")).Select(l => string.Join(',', l.Split(',').Take(1 + features)))) + "\n";

    static string Workspace(int features = 8, string? model = "tabular_mlp.onnx")
    {
        var dir = CliRunner.Workspace($$"""
            name: trees
            model: { onnx: models/net.onnx, loss: softmax_cross_entropy }
            data: { dataset: trees, path: data/trees.csv, partition: dirichlet, alpha: 0.5, clients: 6, format: { label: kind } }
            local: { epochs: 1, batch_size: 10, lr: 0.1 }
            clients_per_round: 3
            rounds: 4
            seed: 2
            """);
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        if (model is not null) File.Copy(Fixture("models", model), Path.Combine(dir, "models", "net.onnx"));
        File.WriteAllText(Path.Combine(dir, "data", "trees.csv"), TreesCsv(features));
        return dir;
    }

    [Fact]
    public void A_pytorch_model_trains_on_the_users_csv_with_a_held_out_test_split()
    {
        var dir = Workspace();
        var run = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains("model net", run.StdOut);
        var rows = File.ReadAllLines(Path.Combine(dir, "out", "simulate", "trees", "metrics.csv"));
        Assert.Equal(1 + 5, rows.Length);   // header, rounds 0-4
        double Accuracy(string row) => double.Parse(row.Split(',')[1], CultureInfo.InvariantCulture);
        // Three separable classes: untrained near chance, trained far above it on the 20% the spec's seed held out.
        Assert.True(Accuracy(rows[^1]) > 0.9, $"final accuracy {rows[^1]}");
        Assert.True(Accuracy(rows[^1]) > Accuracy(rows[1]) + 0.2, $"{rows[1]} -> {rows[^1]}");
    }

    [Theory]
    [InlineData(5, "tabular_mlp.onnx", "data", "has sample shape [5] but the model takes [8]")]
    [InlineData(8, null, "model.onnx", "no file")]
    public void A_model_or_data_that_does_not_fit_is_one_line_naming_the_field(int features, string? model, string field, string message)
    {
        var dir = Workspace(features, model);
        var run = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error: {field}", run.StdErr);
        Assert.Contains(message, run.StdErr);
        Assert.DoesNotContain("   at ", run.StdErr);
        Assert.False(File.Exists(Path.Combine(dir, "out", "simulate", "trees", "metrics.csv")));
    }

    [Fact]
    public void Bytes_that_are_not_onnx_are_refused_on_the_model_field()
    {
        var dir = Workspace();
        File.WriteAllBytes(Path.Combine(dir, "models", "net.onnx"), Encoding.UTF8.GetBytes("not a model at all"));
        var run = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: model.onnx: net.onnx:", run.StdErr);
        Assert.DoesNotContain("   at ", run.StdErr);
    }

    /// <summary>trees.csv with its label turned into a number: 1 for "ash" (binary), or f0 + f1 (regression).</summary>
    static string NumericTrees(bool binary) => string.Join('\n', File.ReadAllLines(Fixture("data", "trees.csv")).Select((l, i) =>
    {
        var c = l.Split(',');
        if (i == 0) return "target," + string.Join(',', c[1..]);
        var t = binary ? (c[0] == "ash" ? "1" : "0")
            : (double.Parse(c[1], CultureInfo.InvariantCulture) + double.Parse(c[2], CultureInfo.InvariantCulture)).ToString("F4", CultureInfo.InvariantCulture);
        return t + "," + string.Join(',', c[1..]);
    })) + "\n";

    [Theory]
    [InlineData("tabular_binary.onnx", "bce_with_logits", true, "auc", "f1")]
    [InlineData("tabular_regressor.onnx", "mse", false, "mse", "mae")]
    public void Binary_and_regression_models_report_their_metrics_per_round(string model, string loss, bool binary, string first, string second)
    {
        var dir = CliRunner.Workspace($$"""
            name: numeric
            model: { onnx: net.onnx, loss: {{loss}} }
            data: { dataset: numeric, path: numeric.csv, clients: 4, format: { label: target } }
            local: { epochs: 1, batch_size: 10, lr: 0.05 }
            clients_per_round: 4
            rounds: 4
            """);
        File.Copy(Fixture("models", model), Path.Combine(dir, "net.onnx"));
        File.WriteAllText(Path.Combine(dir, "numeric.csv"), NumericTrees(binary));
        var run = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains($"  {first} ", run.StdOut);
        var rows = File.ReadAllLines(Path.Combine(dir, "out", "simulate", "numeric", "metrics.csv"));
        var header = rows[0].Split(',');
        int a = Array.IndexOf(header, "test_" + first), b = Array.IndexOf(header, "test_" + second);
        Assert.True(a > 0 && b > 0, rows[0]);
        double At(string row, int col) => double.Parse(row.Split(',')[col], CultureInfo.InvariantCulture);
        if (binary)
        {
            Assert.True(At(rows[^1], a) > 0.95, $"AUC {rows[^1]}");   // "ash" is separable by its features
            Assert.True(At(rows[^1], b) > 0.8, $"F1 {rows[^1]}");
        }
        else
        {
            Assert.True(At(rows[^1], a) < At(rows[1], a) / 2, $"MSE {rows[1]} -> {rows[^1]}");
            Assert.True(At(rows[^1], b) <= Math.Sqrt(At(rows[^1], a)) + 1e-9);   // MAE never exceeds RMSE
        }
    }
}
