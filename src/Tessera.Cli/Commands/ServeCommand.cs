using System.CommandLine;
using System.Runtime.InteropServices;
using Tessera.Coordinator;
using Tessera.Coordinator.Storage;

namespace Tessera.Cli.Commands;

/// <summary>`tessera serve`: runs the coordinator (HTTP API + round state machines + SQLite or PostgreSQL store) until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one)", DefaultValueFactory = _ => 5080 };
        var host = new Option<string>("--host") { Description = "address to listen on (0.0.0.0 for all interfaces)", DefaultValueFactory = _ => "127.0.0.1" };
        var data = new Option<string>("--data") { Description = "folder for the SQLite file, checkpoints, artifacts and shards", DefaultValueFactory = _ => "./data" };
        var db = new Option<string?>("--db")
        {
            Description = "PostgreSQL connection string (Host=...;Database=...;Username=...;Password=... or postgres://user:pass@host/db) " +
                          "for jobs, rounds, workers and the ledger; default: $TESSERA_DB, else the SQLite file under --data",
        };
        var adminKey = new Option<string?>("--admin-key") { Description = "key for job management (X-Api-Key); default: $TESSERA_ADMIN_KEY" };
        var poolToken = new Option<string?>("--pool-token") { Description = "join token for the shared pool; default: $TESSERA_POOL_TOKEN, else none" };
        var evalSamples = new Option<int>("--eval-samples") { Description = "evaluate each round on the first N test samples (0 = all)", DefaultValueFactory = _ => 0 };
        var rate = new Option<int>("--worker-rps") { Description = "requests per second allowed per worker session", DefaultValueFactory = _ => 50 };
        var cluster = new Option<bool>("--cluster") { Description = "join a multi-node coordinator: nodes sharing --data's database (and blob folder) and --cluster-id form one cluster" };
        var clusterId = new Option<string>("--cluster-id") { Description = "cluster name in the membership table (with --cluster)", DefaultValueFactory = _ => "tessera" };
        var siloPort = new Option<int>("--silo-port") { Description = "Orleans silo-to-silo port (0 picks a free one)", DefaultValueFactory = _ => 0 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Orleans gateway port (0 picks a free one)", DefaultValueFactory = _ => 0 };
        var advertise = new Option<string>("--advertise") { Description = "IP address other nodes reach this node's silo at (with --cluster)", DefaultValueFactory = _ => "127.0.0.1" };
        var datasets = new Option<string[]>("--dataset")
        {
            Description = "a data set of yours this coordinator cuts shards from and evaluates on: NAME=PATH[,test=PATH]; jobs name it in data.dataset (repeatable)",
        };
        var cmd = new Command("serve", "Run the coordinator: workers join and pull tasks over /api/v1; jobs survive restarts")
        {
            port, host, data, db, adminKey, poolToken, evalSamples, rate, cluster, clusterId, siloPort, gatewayPort, advertise, datasets,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            var key = pr.GetValue(adminKey) ?? Environment.GetEnvironmentVariable("TESSERA_ADMIN_KEY");
            CliOptions.Require(!string.IsNullOrEmpty(key), "--admin-key", "required (or set TESSERA_ADMIN_KEY)");
            CliOptions.Require(pr.GetValue(port) is >= 0 and <= 65535, "--port", "must be 0..65535");
            CliOptions.Require(pr.GetValue(siloPort) is >= 0 and <= 65535, "--silo-port", "must be 0..65535");
            CliOptions.Require(pr.GetValue(gatewayPort) is >= 0 and <= 65535, "--gateway-port", "must be 0..65535");
            CliOptions.Require(System.Net.IPAddress.TryParse(pr.GetValue(advertise), out _), "--advertise", "must be an IP address");
            CliOptions.Require(!string.IsNullOrWhiteSpace(pr.GetValue(clusterId)), "--cluster-id", "must not be empty");
            // Errors about the database name where its value came from.
            var (database, dbSource) = pr.GetValue(db) is { } given ? (given, "--db") : (Environment.GetEnvironmentVariable("TESSERA_DB"), "--db (from TESSERA_DB)");
            var files = CliOptions.DatasetFiles("--dataset", pr.GetValue(datasets) ?? []);
            var options = new CoordinatorOptions
            {
                Datasets = files,
                DataDirectory = Path.GetFullPath(pr.GetValue(data)!), Database = string.IsNullOrWhiteSpace(database) ? null : database, AdminKey = key!, Port = pr.GetValue(port), Host = pr.GetValue(host)!,
                PoolToken = pr.GetValue(poolToken) ?? Environment.GetEnvironmentVariable("TESSERA_POOL_TOKEN"),
                EvalSamples = pr.GetValue(evalSamples), WorkerRequestsPerSecond = pr.GetValue(rate),
                Cluster = pr.GetValue(cluster), ClusterId = pr.GetValue(clusterId)!, SiloPort = pr.GetValue(siloPort), GatewayPort = pr.GetValue(gatewayPort),
                AdvertisedAddress = pr.GetValue(advertise)!,
            };
            return Serve(options, options.Database is null ? "--data" : dbSource);
        }));
        return cmd;
    }

    static int Serve(CoordinatorOptions options, string databaseOption)
    {
        CoordinatorHost host;
        try { host = CoordinatorHost.Create(options); }
        catch (DatabaseException e) { throw new CliUsageException($"{databaseOption}: {e.Message}"); }
        try { host.StartAsync().GetAwaiter().GetResult(); }
        catch (IOException e) { throw new CliUsageException($"--port: {e.Message}"); }
        // Tests and scripts read this line to find a --port 0 server.
        Console.WriteLine($"listening on {host.BaseUrl}");
        Console.WriteLine($"data: {options.DataDirectory}; store: {host.Store.Location.Description}; API: {host.BaseUrl}/api/v1 (OpenAPI {host.BaseUrl}/api/v1/openapi.json); metrics: {host.BaseUrl}/metrics");
        using var done = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; done.Set(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.Set(); });
        done.Wait();
        host.StopAsync().GetAwaiter().GetResult();
        return 0;
    }
}
