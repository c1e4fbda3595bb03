using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Tessera.Coordinator.Cluster;

/// <summary>
/// Silo settings for a multi-node coordinator: membership in the shared database (<see cref="SqlMembershipTable"/>),
/// the advertised address and ports, and failure detection quick enough that a killed node's rounds are re-run
/// within seconds, yet tolerant of a busy machine (a live node wrongly declared dead would have to restart).
/// </summary>
public static class ClusterSetup
{
    public static void Configure(ISiloBuilder silo, CoordinatorOptions options, int siloPort, int gatewayPort)
    {
        if (!IPAddress.TryParse(options.AdvertisedAddress, out var advertised))
            throw new ArgumentException($"advertised address '{options.AdvertisedAddress}' is not an IP address");
        silo.Configure<ClusterOptions>(c => { c.ClusterId = options.ClusterId; c.ServiceId = "tessera"; });
        silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: true);
        silo.Services.AddSingleton<IMembershipTable, SqlMembershipTable>();
        silo.Configure<ClusterMembershipOptions>(m =>
        {
            m.ProbeTimeout = TimeSpan.FromSeconds(3);
            m.NumMissedProbesLimit = 3;
            m.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            m.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        });
    }
}
