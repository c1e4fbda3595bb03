using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Net;
using Dapper;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Cluster;

/// <summary>
/// Orleans' membership table over the coordinator's database: one row per silo (address, port and generation as
/// the key) plus one version row per cluster. Every change to a row also moves the version row, and both are
/// conditional on the etags the caller read (optimistic concurrency), inside one transaction, as
/// <see cref="IMembershipTable"/> requires. Heartbeats (<see cref="UpdateIAmAlive"/>) write only their column.
/// The SQL is plain enough for SQLite and PostgreSQL alike.
/// </summary>
public sealed class SqlMembershipTable(ClusterDatabase db, IOptions<ClusterOptions> cluster) : IMembershipTable
{
    readonly string _clusterId = cluster.Value.ClusterId;

    static string Schema(SqlDialect d) => $"""
        CREATE TABLE IF NOT EXISTS cluster_version (cluster_id VARCHAR(150) PRIMARY KEY, version INTEGER NOT NULL, etag VARCHAR(40) NOT NULL);
        CREATE TABLE IF NOT EXISTS cluster_members (cluster_id VARCHAR(150) NOT NULL, address VARCHAR(45) NOT NULL, port INTEGER NOT NULL,
          generation INTEGER NOT NULL, silo_name VARCHAR(150) NOT NULL, host_name VARCHAR(150) NOT NULL, status INTEGER NOT NULL,
          proxy_port INTEGER NOT NULL, suspect_times TEXT NOT NULL, start_time {d.BigInt} NOT NULL, i_am_alive_time {d.BigInt} NOT NULL,
          etag VARCHAR(40) NOT NULL, PRIMARY KEY (cluster_id, address, port, generation));
        """;

    static string NewTag() => Guid.NewGuid().ToString("N");

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        await using var c = db.Open();
        await using (var tx = await c.BeginTransactionAsync())
        {
            // Nodes starting together must not race on CREATE TABLE (see SqlDialect.LockSchema).
            db.Dialect.LockSchema(c, tx);
            foreach (var statement in Schema(db.Dialect).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                await c.ExecuteAsync(statement, transaction: tx);
            await tx.CommitAsync();
        }
        if (tryInitTableVersion)
            await c.ExecuteAsync("INSERT INTO cluster_version (cluster_id, version, etag) VALUES (@id, 0, @tag) ON CONFLICT (cluster_id) DO NOTHING",
                new { id = _clusterId, tag = NewTag() });
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        await using var c = db.Open();
        await using var tx = await c.BeginTransactionAsync();
        await c.ExecuteAsync("DELETE FROM cluster_members WHERE cluster_id = @clusterId", new { clusterId }, tx);
        await c.ExecuteAsync("DELETE FROM cluster_version WHERE cluster_id = @clusterId", new { clusterId }, tx);
        await tx.CommitAsync();
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var c = db.Open();
        await c.ExecuteAsync("DELETE FROM cluster_members WHERE cluster_id = @id AND status = @dead AND i_am_alive_time < @before",
            new { id = _clusterId, dead = (int)SiloStatus.Dead, before = beforeDate.ToUnixTimeMilliseconds() });
    }

    public Task<MembershipTableData> ReadRow(SiloAddress key) => Read(key);

    public Task<MembershipTableData> ReadAll() => Read(null);

    /// <summary>The rows and the version row in one snapshot, as the contract requires.</summary>
    async Task<MembershipTableData> Read(SiloAddress? key)
    {
        await using var c = db.Open();
        await using var tx = await c.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        var version = await c.QueryFirstOrDefaultAsync<VersionRow>("SELECT version, etag FROM cluster_version WHERE cluster_id = @id", new { id = _clusterId }, tx);
        // Aliased to the row's property names: no reliance on a global Dapper naming setting.
        var sql = """
            SELECT address AS Address, port AS Port, generation AS Generation, silo_name AS SiloName, host_name AS HostName, status AS Status,
              proxy_port AS ProxyPort, suspect_times AS SuspectTimes, start_time AS StartTime, i_am_alive_time AS IAmAliveTime, etag AS Etag
            FROM cluster_members WHERE cluster_id = @id
            """ +
            (key is null ? "" : " AND address = @address AND port = @port AND generation = @generation");
        var rows = await c.QueryAsync<MemberRow>(sql, new
        {
            id = _clusterId, address = key?.Endpoint.Address.ToString(), port = key?.Endpoint.Port ?? 0, generation = key?.Generation ?? 0,
        }, tx);
        await tx.CommitAsync();
        var entries = rows.Select(r => Tuple.Create(r.ToEntry(), r.Etag)).ToList();
        return new MembershipTableData(entries, version is null ? new TableVersion(0, "") : new TableVersion((int)version.Version, version.Etag));
    }

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        await using var c = db.Open();
        await using var tx = await c.BeginTransactionAsync();
        if (!await BumpVersion(c, tx, tableVersion)) return false;
        var row = MemberRow.From(_clusterId, entry, NewTag());
        if (await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM cluster_members WHERE cluster_id = @ClusterId AND address = @Address AND port = @Port AND generation = @Generation", row, tx) > 0)
            return false;
        await c.ExecuteAsync("""
            INSERT INTO cluster_members (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port, suspect_times, start_time, i_am_alive_time, etag)
            VALUES (@ClusterId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @SuspectTimes, @StartTime, @IAmAliveTime, @Etag)
            """, row, tx);
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        await using var c = db.Open();
        await using var tx = await c.BeginTransactionAsync();
        if (!await BumpVersion(c, tx, tableVersion)) return false;
        var row = MemberRow.From(_clusterId, entry, NewTag());
        int changed = await c.ExecuteAsync("""
            UPDATE cluster_members SET silo_name = @SiloName, host_name = @HostName, status = @Status, proxy_port = @ProxyPort,
              suspect_times = @SuspectTimes, start_time = @StartTime, i_am_alive_time = @IAmAliveTime, etag = @Etag
            WHERE cluster_id = @ClusterId AND address = @Address AND port = @Port AND generation = @Generation AND etag = @expected
            """, new DynamicParameters(row).With("expected", etag), tx);
        if (changed != 1) return false;
        await tx.CommitAsync();
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        var row = MemberRow.From(_clusterId, entry, "");
        await using var c = db.Open();
        await c.ExecuteAsync("UPDATE cluster_members SET i_am_alive_time = @IAmAliveTime WHERE cluster_id = @ClusterId AND address = @Address AND port = @Port AND generation = @Generation", row);
    }

    /// <summary>Moves the version row to the caller's new version, only if nobody changed the table since the caller read it.</summary>
    async Task<bool> BumpVersion(DbConnection c, DbTransaction tx, TableVersion next) =>
        await c.ExecuteAsync("UPDATE cluster_version SET version = @version, etag = @tag WHERE cluster_id = @id AND etag = @expected",
            new { version = next.Version, tag = NewTag(), id = _clusterId, expected = next.VersionEtag }, tx) == 1;

    sealed class VersionRow
    {
        public long Version { get; set; }
        public string Etag { get; set; } = "";
    }

    /// <summary>A membership entry as stored; times are Unix milliseconds so every database compares them the same way.</summary>
    sealed class MemberRow
    {
        public string ClusterId { get; set; } = "";
        public string Address { get; set; } = "";
        public long Port { get; set; }
        public long Generation { get; set; }
        public string SiloName { get; set; } = "";
        public string HostName { get; set; } = "";
        public long Status { get; set; }
        public long ProxyPort { get; set; }
        public string SuspectTimes { get; set; } = "";
        public long StartTime { get; set; }
        public long IAmAliveTime { get; set; }
        public string Etag { get; set; } = "";

        public static MemberRow From(string clusterId, MembershipEntry e, string etag) => new()
        {
            ClusterId = clusterId, Address = e.SiloAddress.Endpoint.Address.ToString(), Port = e.SiloAddress.Endpoint.Port, Generation = e.SiloAddress.Generation,
            SiloName = e.SiloName ?? "", HostName = e.HostName ?? "", Status = (int)e.Status, ProxyPort = e.ProxyPort,
            SuspectTimes = string.Join('|', (e.SuspectTimes ?? []).Select(s => $"{s.Item1.ToParsableString()}#{ToMs(s.Item2)}")),
            StartTime = ToMs(e.StartTime), IAmAliveTime = ToMs(e.IAmAliveTime), Etag = etag,
        };

        public MembershipEntry ToEntry() => new()
        {
            SiloAddress = SiloAddress.New(IPAddress.Parse(Address), (int)Port, (int)Generation),
            SiloName = SiloName, HostName = HostName, Status = (SiloStatus)Status, ProxyPort = (int)ProxyPort,
            SuspectTimes = SuspectTimes.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(s =>
            {
                int hash = s.LastIndexOf('#');
                return Tuple.Create(SiloAddress.FromParsableString(s[..hash]), FromMs(long.Parse(s[(hash + 1)..], CultureInfo.InvariantCulture)));
            }).ToList(),
            StartTime = FromMs(StartTime), IAmAliveTime = FromMs(IAmAliveTime),
        };

        static long ToMs(DateTime t) => t == default ? 0
            : new DateTimeOffset(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        static DateTime FromMs(long ms) => ms == 0 ? default : DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
    }
}

static class DynamicParametersExtensions
{
    public static DynamicParameters With(this DynamicParameters p, string name, object? value)
    {
        p.Add(name, value);
        return p;
    }
}
