namespace Tessera.Coordinator;

/// <summary>How a coordinator runs; `tessera serve` fills it from the command line.</summary>
public sealed record CoordinatorOptions
{
    /// <summary>Folder holding the SQLite file and the blob folder (artifacts, checkpoints, shards).</summary>
    public required string DataDirectory { get; init; }
    /// <summary>
    /// PostgreSQL connection string (Host=...;Database=... or a postgres:// URI) for the store; null keeps it in the SQLite
    /// file under <see cref="DataDirectory"/>. The blob folder stays under DataDirectory either way.
    /// </summary>
    public string? Database { get; init; }
    /// <summary>Key for the job-management API (header X-Api-Key).</summary>
    public required string AdminKey { get; init; }
    /// <summary>Join token for the shared pool (any job); each job also gets its own.</summary>
    public string? PoolToken { get; init; }
    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; } = 5080;
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Orleans silo-to-silo port; 0 picks a free port.</summary>
    public int SiloPort { get; init; }
    /// <summary>
    /// Join a multi-node cluster whose membership lives in the shared database (every node of one cluster uses the
    /// same database and blob folder); false runs a single node with localhost clustering.
    /// </summary>
    public bool Cluster { get; init; }
    /// <summary>Names the cluster in the membership table; nodes with the same id and database form one coordinator.</summary>
    public string ClusterId { get; init; } = "tessera";
    /// <summary>The address other nodes reach this node's silo at (cluster mode).</summary>
    public string AdvertisedAddress { get; init; } = "127.0.0.1";
    /// <summary>Orleans gateway port for cluster clients; 0 picks a free port.</summary>
    public int GatewayPort { get; init; }
    /// <summary>Requests per second a worker session may make (token bucket, burst of twice this).</summary>
    public int WorkerRequestsPerSecond { get; init; } = 50;
    /// <summary>Largest JSON body accepted (job specs, joins, heartbeats).</summary>
    public long MaxJsonBytes { get; init; } = 1 << 20;
    /// <summary>Largest ONNX model a user may upload (POST /models, or with the spec in a multipart job request).</summary>
    public long MaxModelBytes { get; init; } = 256L << 20;
    /// <summary>Longest a GET /tasks/next waits for a task.</summary>
    public TimeSpan MaxLongPoll { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A worker not heard from for this long is no longer offered tasks and its open task counts as dropped.</summary>
    public TimeSpan WorkerTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>A round waits this long for its full client count before starting with at least min_clients.</summary>
    public TimeSpan SelectionWindow { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Round deadline when the job spec sets none.</summary>
    public TimeSpan DefaultDeadline { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>The user's own data sets this coordinator serves shards of and evaluates on, by name (`--dataset NAME=PATH`).</summary>
    public IReadOnlyDictionary<string, Tessera.Federation.Planning.DatasetFiles> Datasets { get; init; } = new Dictionary<string, Tessera.Federation.Planning.DatasetFiles>();
    /// <summary>Evaluate on the first N test samples (0 = all).</summary>
    public int EvalSamples { get; init; }
    /// <summary>Replays (audits) running at once on this node, whatever the jobs; each job is also held to its verification.cpu_share.</summary>
    public int ReplaySlots { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);
    public bool Quiet { get; init; }
}
