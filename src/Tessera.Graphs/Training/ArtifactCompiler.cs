using Tessera.Graphs.Autodiff;
using P = Tessera.Graphs.Training.ArtifactManifest;

namespace Tessera.Graphs.Training;

/// <summary>
/// Compiles a model into its training artifact — K optimizer steps in one ONNX Loop: forward, loss,
/// reverse-mode gradients, optimizer update — and into its evaluation artifact. Same model and options
/// in, same bytes out.
/// </summary>
public static class ArtifactCompiler
{
    public static Artifact CompileTraining(TrainableModel model, TrainingOptions options)
    {
        options.Validate();
        int batch = options.BatchSize;
        var main = new Graph($"{model.Name}.train");
        var mb = new GraphBuilder(main, "m");
        var hyper = new List<string> { "lr" };
        if (options.Momentum) hyper.Add("momentum");
        if (options.WeightDecay) hyper.Add("weight_decay");
        if (options.Optimizer != OptimizerKind.Sgd) hyper.AddRange(["beta1", "beta2", "epsilon"]);
        if (options.ClipGradientNorm) hyper.Add("clip_norm");
        if (options.FedProx) hyper.Add("prox_mu");

        AddDataInputs(main, model, batch);
        AddFrozen(main, model);
        foreach (var h in hyper) main.Inputs.Add(new ValueInfo(h, DType.Float, []));
        bool dropout = DropoutLowering.HasDropout(model.Forward);
        if (dropout) { main.Inputs.Add(new ValueInfo("dropout_seed", DType.Int64, [])); hyper.Add("dropout_seed"); }

        var parameters = model.Trainable.Select(p => new TensorSpec(p, model.Forward.Initializers[p].Shape)).ToList();
        var buffers = model.Buffers.Select(p => new TensorSpec(p, model.Forward.Initializers[p].Shape)).ToList();
        var state = new List<TensorSpec>();
        foreach (var p in parameters)
        {
            if (options.Momentum) state.Add(new TensorSpec($"velocity/{p.Name}", p.Shape));
            if (options.Optimizer != OptimizerKind.Sgd)
            {
                state.Add(new TensorSpec($"m/{p.Name}", p.Shape));
                state.Add(new TensorSpec($"v/{p.Name}", p.Shape));
            }
        }
        if (options.Optimizer != OptimizerKind.Sgd) state.Add(new TensorSpec("step", []));
        var extra = new List<TensorSpec>();
        foreach (var p in parameters)
        {
            main.Inputs.Add(new ValueInfo(P.ParamPrefix + p.Name, DType.Float, p.Shape));
            if (options.FedProx) extra.Add(new(P.GlobalPrefix + p.Name, p.Shape));
            if (options.Scaffold) { extra.Add(new(P.ServerControlPrefix + p.Name, p.Shape)); extra.Add(new(P.ClientControlPrefix + p.Name, p.Shape)); }
        }
        foreach (var p in buffers) main.Inputs.Add(new ValueInfo(P.ParamPrefix + p.Name, DType.Float, p.Shape));
        foreach (var s in state) main.Inputs.Add(new ValueInfo(P.StatePrefix + s.Name, DType.Float, s.Shape));
        foreach (var e in extra) main.Inputs.Add(new ValueInfo(e.Name, DType.Float, e.Shape));

        // ---- loop body: one optimizer step -------------------------------------------------------------
        var body = new Graph("step");
        var bb = new GraphBuilder(body, "s", main.Inputs.Select(i => i.Name));
        var iter = bb.Claim("iter"); var condIn = bb.Claim("cond_in");
        body.Inputs.Add(new ValueInfo(iter, DType.Int64, []));
        body.Inputs.Add(new ValueInfo(condIn, DType.Bool, []));
        var rename = new Dictionary<string, string>();
        var carriedWeights = parameters.Concat(buffers).ToList();
        foreach (var p in carriedWeights) rename[p.Name] = bb.Claim("w/" + p.Name);
        foreach (var p in carriedWeights) body.Inputs.Add(new ValueInfo(rename[p.Name], DType.Float, p.Shape));
        var stateIn = state.ToDictionary(s => s.Name, s => bb.Claim("in/" + s.Name));
        foreach (var s in state) body.Inputs.Add(new ValueInfo(stateIn[s.Name], DType.Float, s.Shape));

        var (loss, correct) = AppendForwardAndLoss(bb, model, batch, iter, rename);
        var outer = ShapeInference.Run(main);
        var shapes = ShapeInference.Run(body, outer);
        if (dropout)
        {
            var stepSeed = bb.Add("dropout_seed", bb.Mul(iter, bb.ScalarInt(1000003)));
            DropoutLowering.Lower(bb, shapes, stepSeed);
            body.SortTopologically();
            shapes = ShapeInference.Run(body, outer);
        }
        var running = BatchNormLowering.Lower(bb, shapes, buffers.Select(p => rename[p.Name]).ToHashSet());
        if (running.Count > 0)
        {
            body.SortTopologically();
            shapes = ShapeInference.Run(body, outer);
        }
        var weights = parameters.Select(p => rename[p.Name]).ToList();
        var grads = Differentiator.Backward(bb, shapes, loss, weights);

        var updated = OptimizerStep.Append(bb, options, parameters, rename, grads, stateIn);

        body.SortTopologically();
        var condOut = bb.Identity(condIn);
        body.Outputs.Add(new ValueInfo(condOut, DType.Bool, []));
        foreach (var p in parameters) body.Outputs.Add(new ValueInfo(updated.Parameters[p.Name], DType.Float, p.Shape));
        foreach (var p in buffers) body.Outputs.Add(new ValueInfo(bb.Identity(running.GetValueOrDefault(rename[p.Name], rename[p.Name])), DType.Float, p.Shape));
        foreach (var s in state) body.Outputs.Add(new ValueInfo(updated.State[s.Name], DType.Float, s.Shape));
        body.Outputs.Add(new ValueInfo(loss, DType.Float, []));
        body.Outputs.Add(new ValueInfo(correct, DType.Float, []));

        // ---- main graph: Loop over the K batches ---------------------------------------------------------
        var steps = mb.Op("Gather", mb.Shape("x"), mb.ScalarInt(0));
        var alwaysTrue = mb.Const(TensorData.FromBools([], [true]));
        var loopInputs = new List<string> { steps, alwaysTrue };
        loopInputs.AddRange(carriedWeights.Select(p => P.ParamPrefix + p.Name));
        loopInputs.AddRange(state.Select(s => P.StatePrefix + s.Name));
        var loopOutputs = carriedWeights.Select(p => P.ParamOutPrefix + p.Name)
            .Concat(state.Select(s => P.StateOutPrefix + s.Name)).Concat(["losses", "correct"]).ToList();
        mb.AddNode("Loop", loopInputs, loopOutputs, ("body", body));
        foreach (var p in carriedWeights) main.Outputs.Add(new ValueInfo(P.ParamOutPrefix + p.Name, DType.Float, p.Shape));
        foreach (var s in state) main.Outputs.Add(new ValueInfo(P.StateOutPrefix + s.Name, DType.Float, s.Shape));
        main.Outputs.Add(new ValueInfo("losses", DType.Float, [-1], ["steps"]));
        main.Outputs.Add(new ValueInfo("correct", DType.Float, [-1], ["steps"]));

        var manifest = new ArtifactManifest
        {
            Kind = "train", Model = model.Name, BatchSize = batch, SampleShape = model.SampleShape, InputType = model.Input.Type,
            LabelShape = model.LabelShape, LabelType = model.LabelType, Loss = model.Loss, Parameters = carriedWeights, State = state,
            Buffers = model.Buffers, Local = options.LocalBatchNorm ? BatchNormLayers.LocalTensors(model) : null,
            Hyperparameters = hyper, ExtraInputs = extra.Select(e => e.Name).ToList(), Optimizer = Describe(options),
            FlopsPerSample = FlopCounter.Count(body, outer) / batch,
        };
        return Seal(main, manifest);
    }

    public static Artifact CompileEvaluation(TrainableModel model, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentException($"batch_size must be at least 1, got {batchSize}");
        var main = new Graph($"{model.Name}.eval");
        var mb = new GraphBuilder(main, "m");
        AddDataInputs(main, model, batchSize);
        AddFrozen(main, model);
        var parameters = model.Trainable.Concat(model.Buffers).Select(p => new TensorSpec(p, model.Forward.Initializers[p].Shape)).ToList();
        foreach (var p in parameters) main.Inputs.Add(new ValueInfo(P.ParamPrefix + p.Name, DType.Float, p.Shape));

        var body = new Graph("batch");
        var bb = new GraphBuilder(body, "s", main.Inputs.Select(i => i.Name));
        var iter = bb.Claim("iter"); var condIn = bb.Claim("cond_in");
        body.Inputs.Add(new ValueInfo(iter, DType.Int64, []));
        body.Inputs.Add(new ValueInfo(condIn, DType.Bool, []));
        var rename = parameters.ToDictionary(p => p.Name, p => P.ParamPrefix + p.Name);
        var (loss, correct) = AppendForwardAndLoss(bb, model, batchSize, iter, rename);
        body.Outputs.Add(new ValueInfo(bb.Identity(condIn), DType.Bool, []));
        body.Outputs.Add(new ValueInfo(loss, DType.Float, []));
        body.Outputs.Add(new ValueInfo(correct, DType.Float, []));

        var steps = mb.Op("Gather", mb.Shape("x"), mb.ScalarInt(0));
        mb.AddNode("Loop", [steps, mb.Const(TensorData.FromBools([], [true]))], ["losses", "correct"], ("body", body));
        main.Outputs.Add(new ValueInfo("losses", DType.Float, [-1], ["batches"]));
        main.Outputs.Add(new ValueInfo("correct", DType.Float, [-1], ["batches"]));

        var manifest = new ArtifactManifest
        {
            Kind = "eval", Model = model.Name, BatchSize = batchSize, SampleShape = model.SampleShape, InputType = model.Input.Type,
            LabelShape = model.LabelShape, LabelType = model.LabelType, Loss = model.Loss, Parameters = parameters, Buffers = model.Buffers,
            FlopsPerSample = FlopCounter.Count(body, ShapeInference.Run(main)) / batchSize,
        };
        return Seal(main, manifest);
    }

    static void AddDataInputs(Graph main, TrainableModel model, int batch)
    {
        string?[] names = ["steps", .. Enumerable.Repeat<string?>(null, 1 + model.SampleShape.Length)];
        main.Inputs.Add(new ValueInfo("x", model.Input.Type, [-1, batch, .. model.SampleShape], names));
        string?[] labelNames = ["steps", .. Enumerable.Repeat<string?>(null, 1 + model.LabelShape.Length)];
        main.Inputs.Add(new ValueInfo("y", model.LabelType, [-1, batch, .. model.LabelShape], labelNames));
    }

    /// <summary>
    /// Copies the forward nodes into a loop body (weights renamed), feeding batch <paramref name="iter"/>, then the loss head.
    /// Forward values whose names clash with the artifact's own inputs ("x", "y", "lr"...) are renamed in the copy.
    /// </summary>
    static (string Loss, string Correct) AppendForwardAndLoss(GraphBuilder bb, TrainableModel model, int batch, string iter, Dictionary<string, string> rename)
    {
        var forward = model.ForwardWithBatch(batch);
        var names = new Dictionary<string, string>(rename);
        string Local(string value)
        {
            if (value.Length == 0 || forward.Initializers.ContainsKey(value)) return value; // frozen constants live in the main graph
            if (names.TryGetValue(value, out var mapped)) return mapped;
            try { return names[value] = bb.Claim(value); }
            catch (InvalidOperationException) { return names[value] = bb.Fresh("fwd"); }
        }
        bb.AddNode("Gather", ["x", iter], [Local(model.Input.Name)], ("axis", 0L));
        var labels = bb.Op("Gather", "y", iter);
        foreach (var n in forward.Nodes)
        {
            var outputs = n.Outputs.Select(Local).ToList();
            var copy = new Node(n.OpType, n.Inputs.Select(i => i.Length == 0 ? i : names.GetValueOrDefault(i, i)), outputs, n.Name) { Domain = n.Domain };
            foreach (var (k, v) in n.Attributes) copy.Attributes[k] = v;
            bb.Graph.Nodes.Add(copy);
        }
        return LossHead.Append(bb, model.Loss, names[model.Output], labels);
    }

    static void AddFrozen(Graph main, TrainableModel model)
    {
        foreach (var (name, t) in model.Forward.Initializers)
            if (!model.Trainable.Contains(name) && !model.Buffers.Contains(name)) main.Initializers[name] = t;
    }

    static string Describe(TrainingOptions o) =>
        string.Join("+", new[]
        {
            o.Optimizer.ToString().ToLowerInvariant(), o.Momentum ? (o.Nesterov ? "nesterov" : "momentum") : null,
            o.WeightDecay ? "weight_decay" : null, o.ClipGradientNorm ? "clip" : null, o.FedProx ? "fedprox" : null, o.Scaffold ? "scaffold" : null,
        }.Where(s => s is not null));

    static Artifact Seal(Graph main, ArtifactManifest manifest)
    {
        var model = new OnnxModel(main);
        model.Metadata[ArtifactManifest.MetadataKey] = manifest.ToJson();
        return new Artifact(model.ToBytes(), manifest);
    }
}
