namespace Tessera.Cli.Tests;

/// <summary>The ingest benchmarks refuse bad options by name, before starting anything.</summary>
public class BenchOptionTests
{
    static string TempDir() => Directory.CreateTempSubdirectory("tessera-cli-").FullName;

    [Theory]
    [InlineData("--server", "not-a-url", "--server", "--handoffs", "1")]
    [InlineData("--server", "http://127.0.0.1:1", "--workers", "--workers", "0")]
    [InlineData("--server", "http://127.0.0.1:1", "--workers", "--workers", "2000000")]
    [InlineData("--server", "http://127.0.0.1:1", "--idle-seconds", "--idle-seconds", "0")]
    [InlineData("--server", "http://127.0.0.1:1", "--server-pid", "--server-pid", "999999999")]
    public void Longpoll_refuses_bad_options_naming_them(string serverOption, string server, string named, string option, string value)
    {
        var r = CliRunner.Run(TempDir(), "bench", "longpoll", serverOption, server, "--pool-token", "P", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named + ":", r.StdErr);
    }

    [Fact]
    public void Longpoll_needs_a_pool_token()
    {
        var r = CliRunner.Run(TempDir(), "bench", "longpoll", "--server", "http://127.0.0.1:1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--pool-token:", r.StdErr);
    }

    [Theory]
    [InlineData("--codecs", "zip")]
    [InlineData("--fraction", "0")]
    public void Ingest_refuses_an_unknown_codec_or_fraction_naming_the_option(string option, string value)
    {
        var r = CliRunner.Run(TempDir(), "bench", "ingest", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option + ":", r.StdErr);
    }

    [Fact]
    public void Ingest_with_the_clients_in_a_separate_process_counts_every_upload()
    {
        var r = CliRunner.Run(TempDir(), "bench", "ingest", "--model", "2nn", "--workers", "3", "--rounds", "2", "--idle", "0", "--codecs", "f32", "--clients-process");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.Contains("clients in a separate process", r.StdOut);
        Assert.Matches(@"updates accepted\s*│\s*6\s", r.StdOut);   // 3 workers x 2 rounds, all uploaded by the child
        Assert.Matches(@"coordinator / clients\s*│\s*\d+\.\d\d / \d+\.\d\d", r.StdOut);
    }
}
