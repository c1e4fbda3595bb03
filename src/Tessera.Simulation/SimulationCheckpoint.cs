using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tessera.Federation;
using Tessera.Protocol;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Simulation;

/// <summary>
/// Everything a synchronous simulation carries from one round to the next, so a run stopped after round R
/// (killed, machine rebooted, session over) continues at R+1 and produces the same numbers as an unbroken
/// run: selection, partitions and client training are pure functions of (seed, round, client), so the only
/// state is the global model with the strategy's server state, the clients' SCAFFOLD c_i, top-k residuals, FedBN BatchNorm tensors and robust client momenta, the clocks and the
/// metrics so far. Encoded as one safetensors file (tensors + JSON metadata).
/// </summary>
public sealed record SimulationCheckpoint(
    string SpecDigest,
    int Round,
    GlobalModel Model,
    IReadOnlyDictionary<int, float[]> ClientControl,
    IReadOnlyDictionary<int, float[]> ClientResidual,
    double SimulatedSeconds,
    long ClientUpdates,
    double WallSeconds,
    IReadOnlyList<RoundMetrics> Rounds,
    int? RoundsToTarget,
    IReadOnlyDictionary<int, float[]>? ClientLocal = null,
    IReadOnlyDictionary<string, float[]>? ClientMomentum = null)
{
    const string WeightsName = "weights", StatePrefix = "state/", ClientPrefix = "client/", ResidualPrefix = "residual/", LocalPrefix = "local/",
        MomentumPrefix = "momentum/", MetaKey = "tessera.simulation";

    /// <summary>
    /// Identifies the computation a checkpoint belongs to: the spec without its stopping rules (rounds, target),
    /// which may be raised to let a run go on. Only settings that differ from their defaults are hashed, so a
    /// later version that adds a setting (whose default keeps the old behaviour) still resumes older checkpoints.
    /// </summary>
    public static string Digest(JobSpec spec) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson(spec))));

    internal static string CanonicalJson(JobSpec spec) =>
        JsonSerializer.Serialize(spec with { Rounds = 0, TargetAccuracy = null, Patience = null }, NonDefaultSettings);

    static readonly JsonSerializerOptions NonDefaultSettings = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipDefaultValues } },
    };

    /// <summary>Leaves out every property equal to its value in a freshly constructed instance of its type.</summary>
    static void SkipDefaultValues(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object || type.Type.GetConstructor(Type.EmptyTypes) is null) return;
        var fresh = Activator.CreateInstance(type.Type);
        foreach (var property in type.Properties)
        {
            if (property.Get is not { } get) continue;
            var defaultJson = JsonSerializer.Serialize(get(fresh!), property.PropertyType, NonDefaultSettings);
            property.ShouldSerialize = (_, value) => JsonSerializer.Serialize(value, property.PropertyType, NonDefaultSettings) != defaultJson;
        }
    }

    public byte[] ToBytes()
    {
        var tensors = new List<NamedTensor> { NamedTensor.FromFloats(WeightsName, [Model.Weights.LongLength], Model.Weights) };
        foreach (var name in Model.State.Names.Order(StringComparer.Ordinal))
        {
            var b = Model.State.Get(name)!;
            tensors.Add(NamedTensor.FromFloats(StatePrefix + name, [b.LongLength], b));
        }
        foreach (var (prefix, perClient) in new[] { (ClientPrefix, ClientControl), (ResidualPrefix, ClientResidual), (LocalPrefix, ClientLocal ?? new Dictionary<int, float[]>()) })
            foreach (var (client, v) in perClient.OrderBy(kv => kv.Key))
                tensors.Add(NamedTensor.FromFloats(prefix + client.ToString(CultureInfo.InvariantCulture), [v.LongLength], v));
        // Keyed by client id, as the momentum store keeps them (the coordinator's ids are not indices).
        foreach (var (client, m) in (ClientMomentum ?? new Dictionary<string, float[]>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            tensors.Add(NamedTensor.FromFloats(MomentumPrefix + client, [m.LongLength], m));
        var meta = new Meta(SpecDigest, Round, Model.Version, SimulatedSeconds, ClientUpdates, WallSeconds, Rounds.ToArray(), RoundsToTarget);
        return new SafetensorsFile(tensors, new Dictionary<string, string> { [MetaKey] = JsonSerializer.Serialize(meta, WireJson.NonFiniteNumbers) /* round 0's train loss is NaN */ }).ToBytes();
    }

    public static SimulationCheckpoint FromBytes(ReadOnlySpan<byte> bytes)
    {
        var file = SafetensorsFile.Read(bytes);
        if (!file.Metadata.TryGetValue(MetaKey, out var json))
            throw new InvalidDataException("not a simulation checkpoint (no tessera.simulation metadata)");
        var meta = JsonSerializer.Deserialize<Meta>(json, WireJson.NonFiniteNumbers) ?? throw new InvalidDataException("empty simulation checkpoint metadata");
        var state = ServerState.Empty;
        var clients = new Dictionary<int, float[]>();
        var residuals = new Dictionary<int, float[]>();
        var local = new Dictionary<int, float[]>();
        var momenta = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var t in file.Tensors)
        {
            if (t.Name.StartsWith(StatePrefix, StringComparison.Ordinal)) state = state.With(t.Name[StatePrefix.Length..], t.ToFloatArray());
            else if (ClientOf(t.Name, ClientPrefix) is { } c) clients[c] = t.ToFloatArray();
            else if (ClientOf(t.Name, ResidualPrefix) is { } r) residuals[r] = t.ToFloatArray();
            else if (ClientOf(t.Name, LocalPrefix) is { } l) local[l] = t.ToFloatArray();
            else if (t.Name.StartsWith(MomentumPrefix, StringComparison.Ordinal)) momenta[t.Name[MomentumPrefix.Length..]] = t.ToFloatArray();
        }
        var model = new GlobalModel(file.GetFloats(WeightsName), meta.Version, state);
        return new SimulationCheckpoint(meta.SpecDigest, meta.Round, model, clients, residuals, meta.SimulatedSeconds, meta.ClientUpdates,
            meta.WallSeconds, meta.Rounds, meta.RoundsToTarget, local, momenta);
    }

    /// <summary>The client index of a per-client tensor named prefix + index, or null for another tensor.</summary>
    static int? ClientOf(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) ? int.Parse(name.AsSpan(prefix.Length), CultureInfo.InvariantCulture) : null;

    sealed record Meta(string SpecDigest, int Round, long Version, double SimulatedSeconds, long ClientUpdates, double WallSeconds,
        RoundMetrics[] Rounds, int? RoundsToTarget);
}
