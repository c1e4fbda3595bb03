namespace Tessera.Coordinator.Tests.Storage;

/// <summary>`tessera serve --db` (and TESSERA_DB): a bad or unreachable database stops the start with an error naming the option.</summary>
public sealed class ServeDatabaseOptionTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-db-option-").FullName;

    string[] Args(params string[] more) => ["--port", "0", "--data", _data, "--admin-key", "k", .. more];

    [Theory]
    [InlineData("Host", "error: --db: not a PostgreSQL connection string")]
    [InlineData("Database=fl", "error: --db: a PostgreSQL connection string needs Host=")]
    [InlineData("postgres://h/fl?colour=blue", "error: --db: URI parameter 'colour'")]
    public void A_malformed_db_is_refused_naming_the_option_and_no_SQLite_file_appears(string database, string message)
    {
        var (exit, stderr) = CoordinatorProcess.RunUntilExit(Args("--db", database));
        Assert.Equal(2, exit);
        Assert.StartsWith(message, stderr);
        Assert.False(File.Exists(Path.Combine(_data, "tessera.db")));
    }

    [Fact]
    public void An_unreachable_server_is_refused_naming_the_option()
    {
        int port = CoordinatorProcess.FreePort();
        var (exit, stderr) = CoordinatorProcess.RunUntilExit(Args("--db", $"Host=127.0.0.1;Port={port};Database=fl;Timeout=5"));
        Assert.Equal(2, exit);
        Assert.StartsWith($"error: --db: cannot open the PostgreSQL database fl at 127.0.0.1:{port}", stderr);
    }

    [Fact]
    public void TESSERA_DB_is_read_when_db_is_absent_and_named_in_its_errors()
    {
        var (exit, stderr) = CoordinatorProcess.RunUntilExit(Args(), new Dictionary<string, string> { ["TESSERA_DB"] = "Database=fl" });
        Assert.Equal(2, exit);
        Assert.StartsWith("error: --db (from TESSERA_DB): a PostgreSQL connection string needs Host=", stderr);
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
