namespace Tessera.Federation.Rounds.Lifecycle;

/// <summary>
/// When a synchronous round may start: once the cohort it wants is idle (clients_per_round, at least min_clients),
/// or, when the selection window is over, with whoever of at least min_clients is there. Without clients_per_round
/// the round takes everyone who turned up in the window.
/// </summary>
public static class RoundStart
{
    public static bool Ready(int candidates, int? clientsPerRound, int minClients, bool windowOver)
    {
        int wanted = Math.Max(clientsPerRound ?? minClients, minClients);
        if (candidates < wanted && !(windowOver && candidates >= minClients)) return false;
        return clientsPerRound is not null || windowOver;
    }
}
