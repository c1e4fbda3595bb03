using System.Net;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Tessera.Coordinator.Cluster;

namespace Tessera.Coordinator.Tests;

/// <summary>The membership table's contract: conditional writes on row and table etags, atomic reads, heartbeats, cleanup.</summary>
public sealed class SqlMembershipTableTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tessera-membership-").FullName;
    readonly SqlMembershipTable _table;

    public SqlMembershipTableTests()
    {
        var db = ClusterDatabase.Of(new Tessera.Coordinator.Storage.Store(Path.Combine(_dir, "tessera.db")));
        _table = new SqlMembershipTable(db, Options.Create(new ClusterOptions { ClusterId = "test" }));
    }

    static MembershipEntry Entry(int port, SiloStatus status = SiloStatus.Active) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 7), Status = status, ProxyPort = port + 1, HostName = "host", SiloName = $"silo-{port}",
        StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), IAmAliveTime = new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc),
        SuspectTimes = [],
    };

    [Fact]
    public async Task Inserts_and_updates_succeed_only_against_the_versions_they_read()
    {
        await _table.InitializeMembershipTable(true);
        await _table.InitializeMembershipTable(true); // a second node initializing changes nothing
        var empty = await _table.ReadAll();
        Assert.Empty(empty.Members);
        Assert.Equal(0, empty.Version.Version);

        Assert.True(await _table.InsertRow(Entry(1000), empty.Version.Next()));
        // The same table version again is stale now: refused, and nothing is written.
        Assert.False(await _table.InsertRow(Entry(2000), empty.Version.Next()));
        var one = await _table.ReadAll();
        Assert.Single(one.Members);
        Assert.Equal(1, one.Version.Version);
        // A silo already present cannot be inserted twice, even with a fresh version.
        Assert.False(await _table.InsertRow(Entry(1000), one.Version.Next()));

        var (entry, etag) = one.Members[0];
        Assert.Equal(SiloAddress.New(IPAddress.Loopback, 1000, 7), entry.SiloAddress);
        Assert.Equal(new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc), entry.IAmAliveTime);
        var suspect = SiloAddress.New(IPAddress.Loopback, 3000, 9);
        entry.Status = SiloStatus.ShuttingDown;
        entry.SuspectTimes = [Tuple.Create(suspect, new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc))];
        Assert.False(await _table.UpdateRow(entry, "not-the-etag", one.Version.Next()));
        Assert.True(await _table.UpdateRow(entry, etag, one.Version.Next()));
        // The row's etag moved: the old one no longer updates it.
        Assert.False(await _table.UpdateRow(entry, etag, (await _table.ReadAll()).Version.Next()));

        var read = await _table.ReadRow(entry.SiloAddress);
        var (updated, _) = Assert.Single(read.Members);
        Assert.Equal(SiloStatus.ShuttingDown, updated.Status);
        Assert.Equal(suspect, Assert.Single(updated.SuspectTimes!).Item1);
        Assert.Equal(2, read.Version.Version);
    }

    [Fact]
    public async Task Concurrent_inserts_with_one_version_let_exactly_one_through()
    {
        await _table.InitializeMembershipTable(true);
        var version = (await _table.ReadAll()).Version.Next();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => _table.InsertRow(Entry(4000 + i), version))));
        Assert.Equal(1, results.Count(ok => ok));
        Assert.Single((await _table.ReadAll()).Members);
    }

    [Fact]
    public async Task Heartbeats_keep_the_version_and_cleanup_removes_only_old_dead_entries()
    {
        await _table.InitializeMembershipTable(true);
        var v = (await _table.ReadAll()).Version;
        Assert.True(await _table.InsertRow(Entry(5000), v.Next()));
        v = (await _table.ReadAll()).Version;
        Assert.True(await _table.InsertRow(Entry(6000, SiloStatus.Dead), v.Next()));
        var before = await _table.ReadAll();

        var alive = Entry(5000);
        alive.IAmAliveTime = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        await _table.UpdateIAmAlive(alive);
        var after = await _table.ReadAll();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(alive.IAmAliveTime, after.Members.Single(m => m.Item1.SiloAddress.Endpoint.Port == 5000).Item1.IAmAliveTime);

        await _table.CleanupDefunctSiloEntries(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var left = await _table.ReadAll();
        Assert.Equal(5000, Assert.Single(left.Members).Item1.SiloAddress.Endpoint.Port); // the dead one is gone, the active one stays

        await _table.DeleteMembershipTableEntries("test");
        Assert.Empty((await _table.ReadAll()).Members);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
