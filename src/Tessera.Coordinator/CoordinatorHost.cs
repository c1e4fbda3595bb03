using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans;
using Orleans.Hosting;
using Tessera.Coordinator.Cluster;
using Tessera.Coordinator.Api;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Coordinator.Workers;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator;

/// <summary>
/// Builds and runs the coordinator: an Orleans silo co-hosted with Kestrel (localhost clustering, or membership in the
/// shared database with <see cref="CoordinatorOptions.Cluster"/>; the job grains hold the round state machines), the /api/v1 endpoints, the job registry (which ticks the job grains; they resume
/// unfinished jobs from the store (SQLite or PostgreSQL) and the checkpoint folder on activation), Prometheus metrics and the OpenAPI document.
/// </summary>
public sealed class CoordinatorHost : IAsyncDisposable
{
    public WebApplication App { get; }
    public string BaseUrl { get; private set; } = "";
    public JobRegistry Jobs => App.Services.GetRequiredService<JobRegistry>();
    public WorkerRegistry Workers => App.Services.GetRequiredService<WorkerRegistry>();
    public Store Store => App.Services.GetRequiredService<Store>();
    public BlobStore Blobs => App.Services.GetRequiredService<BlobStore>();

    CoordinatorHost(WebApplication app) => App = app;

    /// <exception cref="DatabaseException">the store's database is misconfigured or unreachable</exception>
    public static CoordinatorHost Create(CoordinatorOptions options)
    {
        Directory.CreateDirectory(options.DataDirectory);
        // First, so a bad or unreachable database fails the start before anything else is set up.
        var store = new Store(DatabaseLocation.Parse(options.Database, options.DataDirectory));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (!options.Quiet) builder.Logging.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning).AddFilter("Orleans", LogLevel.Warning);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Parse(options.Host), options.Port);
            // Per-endpoint limits are set below; this is the ceiling for the largest model update.
            k.Limits.MaxRequestBodySize = 512L << 20;
            k.Limits.MaxConcurrentConnections = null;
        });
        // Receive straight into a 4 KiB block rather than first waiting for data with a zero-byte receive: that wait
        // doubled the receive calls of every upload (about 1,600 more per CNN-sized body), and costs only the block
        // an idle connection then holds (docs/PERFORMANCE.md, "Ingest").
        builder.WebHost.UseSockets(o => o.WaitForDataBeforeAllocatingBuffer = false);
        builder.Services.ConfigureHttpJsonOptions(j => WireJson.Configure(j.SerializerOptions));

        // The silo comes first so it is up before the job registry's ticks call the grains. Each coordinator gets its
        // own silo and gateway ports (free ones unless given), so several can run on one machine or in one process.
        int siloPort = options.SiloPort == 0 ? FreePort() : options.SiloPort;
        int gatewayPort = options.GatewayPort == 0 ? FreePort() : options.GatewayPort;
        // The cluster's tables (membership) and cross-node lookups use the store's database.
        var clusterDb = ClusterDatabase.Of(store);
        builder.UseOrleans(silo =>
        {
            if (options.Cluster) ClusterSetup.Configure(silo, options, siloPort, gatewayPort);
            else silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "tessera", clusterId: $"tessera-{siloPort}");
            // Each silo hands its partial sums of a round to the job grain closing it.
            silo.AddGrainService<NodePartials>();
            silo.Services.AddSingleton<INodePartialsClient, NodePartialsClient>();
            // Job grains are ticked every 250 ms, so they stay active; an idle one is simply rebuilt from SQLite.
            silo.Configure<GrainCollectionOptions>(g => g.CollectionAge = TimeSpan.FromMinutes(10));
        });

        var s = builder.Services;
        s.AddSingleton(options);
        s.AddSingleton(store);
        s.AddSingleton(clusterDb);
        s.AddSingleton<SessionLookup>();
        s.AddSingleton(new BlobStore(Path.Combine(options.DataDirectory, "blobs")));
        s.AddSingleton(new DataCatalog(options.Datasets));
        s.AddSingleton<CoordinatorMetrics>();
        s.AddSingleton<WorkerRegistry>();
        s.AddSingleton<RequestAuth>();
        s.AddSingleton<NodeAggregators>();
        s.AddSingleton<ControlVariateStore>();
        s.AddSingleton<Trust.TaskReplayer>();
        s.AddSingleton<JobRegistry>();
        s.AddSingleton<JobEstimates>();
        s.AddHostedService(sp => sp.GetRequiredService<JobRegistry>());
        s.AddHostedService<EstimateRefresher>();
        s.AddOpenApi("v1");
        s.AddOpenTelemetry().WithMetrics(m => m.AddMeter(CoordinatorMetrics.MeterName).AddPrometheusExporter());
        s.AddRateLimiter(r =>
        {
            r.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            r.OnRejected = (ctx, ct) => new ValueTask(ApiErrors.Error(429, "too many requests from this worker; back off and retry").ExecuteAsync(ctx.HttpContext));
            r.AddPolicy(WorkerEndpoints.RateLimitPolicy, ctx => RateLimitPartition.GetTokenBucketLimiter(
                RequestAuth.Bearer(ctx.Request) ?? ctx.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = 2 * options.WorkerRequestsPerSecond, TokensPerPeriod = options.WorkerRequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
                }));
        });

        var app = builder.Build();
        app.Use(async (ctx, next) =>
        {
            // JSON bodies are small; result uploads get the (per-model) larger limit, set by their handler, and a
            // user's model (alone, or with its spec) the model limit.
            var path = ctx.Request.Path.Value!;
            long? limit = path.EndsWith("/result", StringComparison.Ordinal) ? null
                : path is "/api/v1/models" or "/api/v1/jobs" ? options.MaxModelBytes : options.MaxJsonBytes;
            if (limit is { } max && ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } f)
            {
                f.MaxRequestBodySize = max;
                if (ctx.Request.ContentLength > max)
                {
                    await ApiErrors.TooLarge($"body exceeds the {max}-byte limit").ExecuteAsync(ctx);
                    return;
                }
            }
            try { await next(ctx); }
            catch (BadHttpRequestException e) when (!ctx.Response.HasStarted)
            {
                await ApiErrors.Error(e.StatusCode, e.Message).ExecuteAsync(ctx);
            }
            catch (Exception e) when (!ctx.Response.HasStarted && e is not OperationCanceledException)
            {
                ctx.RequestServices.GetRequiredService<ILogger<CoordinatorHost>>().LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
                await ApiErrors.Error(500, $"internal error: {e.Message}").ExecuteAsync(ctx);
            }
        });
        app.UseRateLimiter();
        var metrics = app.Services.GetRequiredService<CoordinatorMetrics>();
        var workers = app.Services.GetRequiredService<WorkerRegistry>();
        metrics.ObserveWorkers(() => workers.Live(options.WorkerTimeout).Count, () => workers.All.Count(w => w.IsPolling));

        var api = app.MapGroup("/api/v1");
        WorkerEndpoints.Map(api);
        BlobEndpoints.Map(api);
        ControlEndpoints.Map(api);
        JobEndpoints.Map(api);
        LedgerEndpoints.Map(api);
        FateEndpoints.Map(api);
        SecAggEndpoints.Map(api);
        EstimateEndpoints.Map(api);
        ModelEndpoints.Map(api);
        app.MapOpenApi("/api/v1/openapi.json");
        app.MapPrometheusScrapingEndpoint("/metrics");
        DashboardEndpoints.Map(app);
        WebAssets.Map(app); // dashboard at /, browser worker at /worker, bundles and onnxruntime-web at /assets
        return new CoordinatorHost(app);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async Task StartAsync(CancellationToken ct = default)
    {
        await App.StartAsync(ct);
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1");
    }

    public Task StopAsync() => App.StopAsync();

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
