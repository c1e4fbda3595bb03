using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tessera.Protocol.Jobs;

/// <summary>Parses and validates a job spec from YAML or JSON. Every error names the field at fault.</summary>
public static class JobSpecParser
{
    public static readonly string[] Strategies = ["fedsgd", "fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "fedprox", "scaffold", "fednova", "fedbuff"];
    public static readonly string[] Partitions = ["iid", "pathological", "dirichlet", "quantity", "gamma_similarity"];
    public static readonly string[] Optimizers = ["sgd", "adam", "adamw"];
    public static readonly string[] Runtimes = ["dotnet", "browser", "python"];

    public static JobSpec Parse(string text, IReadOnlyList<SpecOverride>? overrides = null)
    {
        var trimmed = text.TrimStart();
        JsonNode? root;
        if (trimmed.StartsWith('{'))
        {
            try { root = JsonNode.Parse(text); }
            catch (JsonException e) { throw new JobSpecException("(root)", $"invalid JSON: {e.Message}"); }
        }
        else root = YamlToJson(text);
        if (overrides is { Count: > 0 })
        {
            var obj = root as JsonObject ?? throw new JobSpecException("(root)", "must be a mapping of keys to values");
            foreach (var o in overrides) o.ApplyTo(obj);
        }
        return Read(new SpecReader(root, ""));
    }

    public static JobSpec Load(string path, IReadOnlyList<SpecOverride>? overrides = null) => Parse(File.ReadAllText(path), overrides);

    static readonly JsonSerializerOptions WriteOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>The spec as JSON with the same snake_case keys <see cref="Parse"/> reads (round-trips).</summary>
    public static string ToJson(JobSpec spec) => JsonSerializer.Serialize(spec, WriteOptions);

    /// <summary>Characters a job name may hold: it names folders and URLs.</summary>
    internal static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    static JobSpec Read(SpecReader r)
    {
        var d = r.Child("data");
        var data = new DataSpec
        {
            Dataset = d.String("dataset", "mnist")!,
            Path = d.String("path"),
            TestPath = d.String("test_path"),
            OnWorkers = d.Bool("on_workers", false)!.Value,
            Format = DataFormatReader.Read(d.Child("format")),
            Partition = d.String("partition", "iid", Partitions)!,
            Clients = d.Int("clients", 100, 1, 10_000_000)!.Value,
            Alpha = d.Double("alpha", 0.5, 0, exclusiveMin: true)!.Value,
            ShardsPerClient = d.Int("shards_per_client", 2, 1, 1000)!.Value,
            Gamma = d.Double("gamma", d.String("partition") is { } p && p.Equals("gamma_similarity", StringComparison.OrdinalIgnoreCase) ? 0.5 : null, 0, 1),
            TrainSamples = d.Int("train_samples", 0, 0)!.Value,
            TestSamples = d.Int("test_samples", 0, 0)!.Value,
        };
        d.RejectUnknown();
        if (d.Has("gamma") && data.Partition != "gamma_similarity")
            throw new JobSpecException("data.gamma", $"only applies to partition gamma_similarity (this job's partition is {data.Partition})");
        if (data.Dataset.Length is 0 or > 100 || data.Dataset.Any(c => !IsNameChar(c)))
            throw new JobSpecException("data.dataset", "must be 1-100 characters of letters, digits, '-', '_' or '.'");
        if (data.TestPath is not null && data.Path is null)
            throw new JobSpecException("data.test_path", "needs data.path (the training data) too");
        if (data.OnWorkers && data.Path is not null)
            throw new JobSpecException("data.path", "data on the workers has no path in the spec: each worker names its own with --data NAME=PATH");

        var s = r.Child("strategy");
        var strategy = new StrategySpec
        {
            Name = s.String("name", "fedavg", Strategies)!,
            ServerLearningRate = s.Double("server_lr", 1.0, 0, exclusiveMin: true)!.Value,
            ServerMomentum = s.Double("server_momentum", 0.9, 0, 1)!.Value,
            Beta1 = s.Double("beta1", 0.9, 0, 1)!.Value,
            Beta2 = s.Double("beta2", 0.99, 0, 1)!.Value,
            Tau = s.Double("tau", 1e-3, 0, exclusiveMin: true)!.Value,
            Mu = s.Double("mu", 0.01, 0)!.Value,
            BufferSize = s.Int("buffer_size", 10, 1)!.Value,
            MaxStaleness = s.Int("max_staleness", null, 0),
            Aggregator = AggregatorSpecReader.Read(s.Node("aggregator")),
        };
        s.RejectUnknown();

        var l = r.Child("local");
        var local = new LocalTrainingSpec
        {
            Epochs = l.Int("epochs", 1, 1, 10_000)!.Value,
            BatchSize = l.String("batch_size") is "full" or "inf" ? 0 : l.Int("batch_size", 10, 0, 1_000_000)!.Value,
            LearningRate = l.Double("lr", 0.1, 0, exclusiveMin: true)!.Value,
            Optimizer = l.String("optimizer", "sgd", Optimizers)!,
            Momentum = l.Double("momentum", 0, 0, 1)!.Value,
            WeightDecay = l.Double("weight_decay", 0, 0)!.Value,
            ClipNorm = l.Double("clip_norm", null, 0, exclusiveMin: true),
            MaxSteps = l.Int("max_steps", null, 1),
        };
        l.RejectUnknown();

        var q = r.Child("requirements");
        var requirements = new RequirementsSpec
        {
            MinMemoryMb = q.Int("min_memory_mb", 0, 0)!.Value,
            Runtimes = q.Strings("runtimes").Select((x, i) => Runtimes.Contains(x) ? x
                : throw new JobSpecException($"requirements.runtimes[{i}]", $"'{x}' is not one of {string.Join(", ", Runtimes)}")).ToList(),
            MinSamplesPerSecond = q.Double("min_samples_per_second", 0, 0)!.Value,
        };
        q.RejectUnknown();

        var m = r.Child("simulation");
        var simulation = new SimulationSpec
        {
            SamplesPerSecond = m.Double("samples_per_second", 1000, 0, exclusiveMin: true)!.Value,
            SpeedSigma = m.Double("speed_sigma", 0, 0, 10)!.Value,
            Attack = m.Has("attack") ? AttackSpecReader.Read(m.Child("attack"), data, strategy) : null,
            ValidationSamples = m.Int("validation_samples", 0, 0)!.Value,
        };
        m.RejectUnknown();

        var upload = UploadSpecReader.Read(r.Child("upload"));

        var e = r.Child("evaluation");
        var evaluation = new EvaluationSpec
        {
            Dataset = e.String("dataset", "test")!,
            FederatedEvery = e.Int("federated_every", 0, 0)!.Value,
            FederatedFraction = e.Double("federated_fraction", 1.0, 0, 1, exclusiveMin: true)!.Value,
        };
        e.RejectUnknown();
        if (data.OnWorkers && evaluation.Dataset == "test")
            evaluation = evaluation with { Dataset = "none" };   // the coordinator holds no split of data that stays on the workers

        var verification = VerificationSpecReader.Read(r.Child("verification"), data, upload);
        if (verification.Replay == VerificationSpec.Workers && strategy.Name is "scaffold" or "fedbuff")
            throw new JobSpecException("verification.replay", $"workers cannot re-run {strategy.Name} tasks (scaffold: a worker's c_i is its own; fedbuff: no round holds an update while others re-run it); use replay: coordinator");

        if (strategy.Name == "fedsgd")
        {
            // FedSGD is one full-batch gradient step per client: anything else set explicitly is a contradiction.
            if (l.Has("batch_size") && local.BatchSize != 0)
                throw new JobSpecException("local.batch_size", "fedsgd trains each client's full data as one batch; use 0 or 'full'");
            if (l.Has("epochs") && local.Epochs != 1)
                throw new JobSpecException("local.epochs", "fedsgd takes exactly 1 epoch");
            local = local with { BatchSize = 0, Epochs = 1 };
        }

        var spec = new JobSpec
        {
            Name = r.RequiredString("name"),
            Model = ModelSpecReader.Read(r.Node("model")),
            Data = data,
            Strategy = strategy,
            Local = local,
            Rounds = r.Int("rounds", 10, 1, 1_000_000)!.Value,
            ClientsPerRound = r.Int("clients_per_round", null, 1),
            Fraction = r.Double("fraction", 0.1, 0, 1, exclusiveMin: true)!.Value,
            MinClients = r.Int("min_clients", 1, 1)!.Value,
            OverSelection = r.Double("over_selection", 1.0, 1.0, 10)!.Value,
            TargetAccuracy = r.Double("target_accuracy", null, 0, 1),
            Patience = r.Int("patience", null, 1),
            EvalEvery = r.Int("eval_every", 1, 1)!.Value,
            Seed = (ulong)r.Int("seed", 1, 0)!.Value,
            DeadlineSeconds = r.Double("deadline_seconds", null, 0, exclusiveMin: true),
            Requirements = requirements,
            Simulation = simulation,
            Upload = upload,
            Evaluation = evaluation,
            Verification = verification,
            Privacy = PrivacySpecReader.Read(r.Child("privacy")),
        };
        r.RejectUnknown();
        if (spec.Name.Length is 0 or > 100 || spec.Name.Any(c => !IsNameChar(c)))
            throw new JobSpecException("name", "must be 1-100 characters of letters, digits, '-', '_' or '.'");
        if (spec.ClientsPerRound > spec.Data.Clients)
            throw new JobSpecException("clients_per_round", $"{spec.ClientsPerRound} exceeds data.clients ({spec.Data.Clients})");
        spec = WorkerDataDefaults.Apply(spec, aggregatorNamed: s.Has("aggregator"));
        AggregatorRules.Check(spec);
        PrivacyRules.Check(spec);
        return FedBnRules.Apply(spec, replayNamed: r.Child("verification").Has("replay"));
    }

    /// <summary>YAML text (a whole spec, or one value of a <see cref="SpecOverride"/>) as the tree <see cref="Read"/> takes; errors name <paramref name="field"/>.</summary>
    internal static JsonNode? YamlToJson(string text, string field = "(root)")
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e) { throw new JobSpecException(field, $"invalid YAML at line {e.Start.Line}: {e.Message}"); }
        // YamlDotNet's scanner and parser can fail on malformed input with a bare InvalidOperationException (flow
        // collections) or ArgumentException (an event it does not support, as for a document opening with " : a").
        catch (Exception e) when (e is InvalidOperationException or ArgumentException) { throw new JobSpecException(field, $"invalid YAML: {e.Message}"); }
        if (stream.Documents.Count == 0) throw new JobSpecException(field, field == "(root)" ? "the spec is empty" : "is empty");
        // A key that is itself a list or mapping, or a key given twice, is YAML a spec cannot mean.
        try { return Convert(stream.Documents[0].RootNode); }
        catch (Exception e) when (e is InvalidOperationException or InvalidCastException or ArgumentException)
        { throw new JobSpecException(field, $"is not a mapping of plain keys to values ({e.Message})"); }
    }

    static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode { Value: null or "" or "~" or "null" } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new JobSpecException("(root)", $"unsupported YAML node {node.NodeType}"),
    };
}
