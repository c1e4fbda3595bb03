using System.Diagnostics;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// Runs one round in process: n <see cref="SecAggClient"/>s and a <see cref="SecAggServer"/>, each stage closed once
/// every client still in has answered, with the clients of <see cref="SecAggDropouts"/> falling silent. For tests and
/// `tessera bench secagg`; client randomness is seeded (a simulation has no secrets).
/// </summary>
public static class SecAggSimulation
{
    /// <param name="input">Client index → its input words (Length of them, each below 2^b).</param>
    /// <param name="received">Sees every message the server is handed, in order (what an honest-but-curious server learns).</param>
    public static SecAggRun Run(SecAggParameters parameters, Func<int, uint[]> input, SecAggDropouts dropouts, int seed, Action<object>? received = null)
    {
        var traffic = new Dictionary<int, SecAggTraffic>();
        var clientTime = new Dictionary<int, TimeSpan>();
        var server = new SecAggServer(parameters);
        var serverWatch = new Stopwatch();
        var clients = Enumerable.Range(1, parameters.Clients)
            .ToDictionary(i => i, i => Timed(i, () => new SecAggClient(parameters, i, SecAggRandom.Seeded(unchecked(seed * 1_000_003 + i)))));

        T Timed<T>(int client, Func<T> body)
        {
            var watch = Stopwatch.StartNew();
            var result = body();
            clientTime[client] = clientTime.GetValueOrDefault(client) + watch.Elapsed;
            return result;
        }
        void Count(int client, long up, long down)
        {
            var t = traffic.GetValueOrDefault(client);
            traffic[client] = new SecAggTraffic(t.Up + up, t.Down + down);
        }
        void Send(int client, object message, long bytes, Action accept)
        {
            Count(client, bytes, 0);
            received?.Invoke(message);
            serverWatch.Start();
            try { accept(); }
            finally { serverWatch.Stop(); }
        }
        T Close<T>(Func<T> close)
        {
            serverWatch.Start();
            try { return close(); }
            finally { serverWatch.Stop(); }
        }

        try
        {
            var live = clients.Keys.Where(i => !dropouts.BeforeAdvertise.Contains(i)).ToList();
            foreach (int i in live)
            {
                var m = Timed(i, clients[i].AdvertiseKeys);
                Send(i, m, WireSize.Of(m), () => server.Accept(m));
            }
            var neighbourKeys = Close(server.CloseAdvertiseKeys);

            live.RemoveAll(dropouts.BeforeShareKeys.Contains);
            foreach (var payload in neighbourKeys.Where(k => live.Contains(k.Client)))
            {
                Count(payload.Client, 0, WireSize.Of(payload));
                var m = Timed(payload.Client, () => clients[payload.Client].ShareKeys(payload));
                Send(payload.Client, m, WireSize.Of(m), () => server.Accept(m));
            }
            var addressed = Close(server.CloseShareKeys);

            live.RemoveAll(dropouts.BeforeMaskedInput.Contains);
            foreach (var payload in addressed.Where(a => live.Contains(a.Client)))
            {
                Count(payload.Client, 0, WireSize.Of(payload));
                var words = input(payload.Client);
                var m = Timed(payload.Client, () => clients[payload.Client].MaskInput(payload, words));
                Send(payload.Client, m, WireSize.Of(m), () => server.Accept(m));
            }
            var requests = Close(server.CloseMaskedInput);

            live.RemoveAll(dropouts.BeforeUnmask.Contains);
            foreach (var payload in requests.Where(r => live.Contains(r.Client)))
            {
                Count(payload.Client, 0, WireSize.Of(payload));
                var m = Timed(payload.Client, () => clients[payload.Client].Unmask(payload));
                Send(payload.Client, m, WireSize.Of(m), () => server.Accept(m));
            }
            var result = Close(server.CloseUnmask);
            return new SecAggRun(result, null, traffic, clientTime, serverWatch.Elapsed);
        }
        catch (SecAggAbortedException e)
        {
            return new SecAggRun(null, e.Reason, traffic, clientTime, serverWatch.Elapsed);
        }
    }

    /// <summary>A message's raw size: 4 bytes per integer and per list count, a byte field's length (JSON's base64 adds a third to byte fields).</summary>
    static class WireSize
    {
        const int Int = 4;
        static long Keys(AdvertisedKeys k) => Int + k.EncryptionKey.Length + k.MaskKey.Length;
        static long Share(EncryptedShare s) => 2 * Int + s.Ciphertext.Length;
        static long Revealed(IReadOnlyList<RevealedShare> r) => Int + r.Sum(s => Int + (long)s.Value.Length);

        public static long Of(AdvertisedKeys m) => Keys(m);
        public static long Of(NeighbourKeys m) => 2 * Int + m.Neighbours.Sum(Keys);
        public static long Of(SharedKeys m) => Int + m.SeedCommitment.Length + Int + m.Shares.Sum(Share);
        public static long Of(AddressedShares m) => 2 * Int + m.Shares.Sum(Share);
        public static long Of(MaskedInput m) => Int + m.Words.Length;
        public static long Of(UnmaskRequest m) => Int + Int * (2 + m.Survivors.Count + m.Dropped.Count);
        public static long Of(UnmaskShares m) => Int + Revealed(m.SeedShares) + Revealed(m.ScalarShares);
    }
}
