using Npgsql;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Tests.Storage;

/// <summary>How `--db` / TESSERA_DB picks the store's database, and how a bad or unreachable one is reported.</summary>
public sealed class DatabaseLocationTests
{
    [Theory, InlineData(null), InlineData(""), InlineData("  ")]
    public void No_connection_string_means_the_SQLite_file_under_the_data_folder(string? database)
    {
        var location = DatabaseLocation.Parse(database, "/srv/tessera");
        Assert.Equal(StoreBackend.Sqlite, location.Dialect.Backend);
        Assert.Contains("/srv/tessera/tessera.db", location.ConnectionString);
    }

    [Fact]
    public void A_key_value_string_selects_PostgreSQL_and_is_described_without_its_password()
    {
        var location = DatabaseLocation.Parse("Host=db.internal;Port=6543;Database=fl;Username=coord;Password=hunter2", "/srv/tessera");
        Assert.Equal(StoreBackend.Postgres, location.Dialect.Backend);
        var b = new NpgsqlConnectionStringBuilder(location.ConnectionString);
        Assert.Equal(("db.internal", 6543, "fl", "coord", "hunter2"), (b.Host, b.Port, b.Database, b.Username, b.Password));
        Assert.Equal("PostgreSQL database fl at db.internal:6543 as coord", location.Description);
        Assert.DoesNotContain("hunter2", location.Description);
    }

    [Theory]
    [InlineData("postgresql://co%40ord:p%3Ass@db.internal:6543/fl?sslmode=require&application_name=tessera")]
    [InlineData("postgres://co%40ord:p%3Ass@db.internal:6543/fl?sslmode=require&Application%20Name=tessera")]
    public void A_postgres_URI_maps_onto_Npgsql_keywords(string uri)
    {
        var location = DatabaseLocation.Parse(uri, "/srv/tessera");
        Assert.Equal(StoreBackend.Postgres, location.Dialect.Backend);
        var b = new NpgsqlConnectionStringBuilder(location.ConnectionString);
        Assert.Equal(("db.internal", 6543, "fl", "co@ord", "p:ss"), (b.Host, b.Port, b.Database, b.Username, b.Password));
        Assert.Equal((SslMode.Require, "tessera"), (b.SslMode, b.ApplicationName));
    }

    [Fact]
    public void A_URI_without_port_or_credentials_keeps_the_defaults_and_reads_libpq_ssl_modes()
    {
        var b = new NpgsqlConnectionStringBuilder(DatabaseLocation.Parse("postgres://localhost/fl?sslmode=verify-full", "/d").ConnectionString);
        Assert.Equal(("localhost", 5432, "fl", (string?)null, SslMode.VerifyFull), (b.Host, b.Port, b.Database, b.Username, b.SslMode));
    }

    [Theory]
    [InlineData("Host", "not a PostgreSQL connection string")]
    [InlineData("Database=fl;Username=coord", "needs Host=")]
    [InlineData("Host=h;Colour=blue", "not a PostgreSQL connection string")]
    [InlineData("postgres://h/fl?colour=blue", "URI parameter 'colour'")]
    [InlineData("postgres:///fl", "needs Host=")]
    public void A_malformed_string_is_refused_saying_what_is_wrong(string database, string message)
    {
        var e = Assert.Throws<DatabaseException>(() => DatabaseLocation.Parse(database, "/srv/tessera"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void An_unreachable_server_fails_the_store_naming_the_database()
    {
        int port = CoordinatorProcess.FreePort(); // nothing listens there
        var location = DatabaseLocation.Parse($"Host=127.0.0.1;Port={port};Database=fl;Username=u;Password=secret;Timeout=5", "/srv/tessera");
        var e = Assert.Throws<DatabaseException>(() => new Store(location));
        Assert.StartsWith($"cannot open the PostgreSQL database fl at 127.0.0.1:{port} as u", e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }
}
