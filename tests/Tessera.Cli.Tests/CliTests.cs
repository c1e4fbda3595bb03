namespace Tessera.Cli.Tests;

public class CliTests
{
    static string TempDir() => Directory.CreateTempSubdirectory("tessera-cli-").FullName;

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--batch", "0")]
    [InlineData("--lr", "-1")]
    [InlineData("--lr-decay", "2")]
    public void Train_refuses_out_of_range_values_naming_the_option(string option, string value)
    {
        var r = CliRunner.Run(TempDir(), "train", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option, r.StdErr);
    }

    [Fact]
    public void Unparseable_value_is_refused_naming_the_option()
    {
        var r = CliRunner.Run(TempDir(), "train", "--epochs", "many");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--epochs", r.StdErr + r.StdOut);
    }

    [Fact]
    public void Unknown_model_is_refused_listing_the_known_ones()
    {
        var r = CliRunner.Run(TempDir(), "compile", "--model", "resnet9000");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("resnet9000", r.StdErr);
        Assert.Contains("cnn", r.StdErr);
    }

    [Fact]
    public void Compile_writes_training_and_evaluation_artifacts_named_by_their_hash()
    {
        var dir = TempDir();
        var r = CliRunner.Run(dir, "compile", "--model", "2nn", "--batch", "10", "--momentum", "--out", "artifacts");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var files = Directory.GetFiles(Path.Combine(dir, "artifacts"), "*.onnx");
        Assert.Equal(2, files.Length);
        foreach (var f in files)
        {
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)));
            Assert.Equal(hash, Path.GetFileNameWithoutExtension(f));
        }
        Assert.Contains("199,210", r.StdOut);
    }

    [Fact]
    public void Compile_of_a_missing_onnx_file_names_the_option()
    {
        var r = CliRunner.Run(TempDir(), "compile", "--onnx", "nope.onnx");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--onnx", r.StdErr);
    }

    [Fact]
    public void The_shipped_runtime_compacts_large_garbage()
    {
        // Without it a long SCAFFOLD simulation's heap grew past 10 GB of dead model-sized arrays (docs/PERFORMANCE.md).
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "tessera.runtimeconfig.json")))!;
        Assert.Equal(7, (int)config["runtimeOptions"]!["configProperties"]!["System.GC.ConserveMemory"]!);
    }
}
