using System.CommandLine;
using Spectre.Console;
using Tessera.Graphs;
using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;

namespace Tessera.Cli.Commands;

/// <summary>`tessera compile`: builds the training and evaluation artifacts of a zoo model or of a user's forward ONNX model.</summary>
internal static class CompileCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var onnx = new Option<string?>("--onnx") { Description = "a forward ONNX model to import instead of a zoo model (e.g. exported from PyTorch)" };
        var loss = new Option<LossKind>("--loss") { Description = "loss for an imported model: SoftmaxCrossEntropy, MeanSquaredError, BinaryCrossEntropy", DefaultValueFactory = _ => LossKind.SoftmaxCrossEntropy };
        var frozen = new Option<string[]>("--freeze") { Description = "initializer names (or prefixes ending in '.') to keep fixed", AllowMultipleArgumentsPerToken = true };
        var batch = CliOptions.Batch(50);
        var optimizer = CliOptions.Optimizer();
        var momentum = new Option<bool>("--momentum") { Description = "SGD with momentum" };
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum" };
        var decay = new Option<bool>("--weight-decay") { Description = "weight decay input (decoupled for AdamW)" };
        var clip = new Option<bool>("--clip") { Description = "per-step gradient-norm clipping" };
        var prox = new Option<bool>("--fedprox") { Description = "FedProx proximal term" };
        var scaffold = new Option<bool>("--scaffold") { Description = "SCAFFOLD control-variate correction" };
        var outDir = new Option<string>("--out") { Description = "folder to write artifacts into", DefaultValueFactory = _ => "out/artifacts" };
        var cmd = new Command("compile", "Compile a model into its training artifact (K steps per call) and evaluation artifact")
        {
            model, onnx, loss, frozen, batch, optimizer, momentum, nesterov, decay, clip, prox, scaffold, outDir,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            var path = pr.GetValue(onnx);
            if (path is not null && !File.Exists(path)) throw new CliUsageException($"--onnx: file '{path}' does not exist");
            var options = new TrainingOptions
            {
                BatchSize = pr.GetValue(batch), Optimizer = pr.GetValue(optimizer), Momentum = pr.GetValue(momentum) || pr.GetValue(nesterov),
                Nesterov = pr.GetValue(nesterov), WeightDecay = pr.GetValue(decay), ClipGradientNorm = pr.GetValue(clip),
                FedProx = pr.GetValue(prox), Scaffold = pr.GetValue(scaffold),
            };
            var (m, train, eval) = path is null ? Compile(ModelZoo.Create(pr.GetValue(model)!), options)
                : UserModel.Guard(path, () => Compile(OnnxImporter.Import(File.ReadAllBytes(path), pr.GetValue(loss), Path.GetFileNameWithoutExtension(path), pr.GetValue(frozen)), options));
            var dir = pr.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var table = new Table().AddColumns("artifact", "sha256", "bytes", "MFLOP/sample", "file");
            foreach (var a in new[] { train, eval })
            {
                var file = Path.Combine(dir, $"{a.Sha256}.onnx");
                File.WriteAllBytes(file, a.Bytes);
                table.AddRow(a.Manifest.Kind, a.Sha256, a.Bytes.Length.ToString("N0"), (a.Manifest.FlopsPerSample / 1e6).ToString("F3"), file);
            }
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(m.Name)}[/]: {m.Trainable.Count} trainable tensors, {m.ParameterCount:N0} parameters; " +
                                   $"{m.Buffers.Count} buffers; " +
                                   $"frozen: {Markup.Escape(string.Join(", ", m.Forward.Initializers.Keys.Except(m.Trainable).Except(m.Buffers).DefaultIfEmpty("none")))}");
            AnsiConsole.Write(table);
            return 0;
        }));
        return cmd;
    }

    static (TrainableModel Model, Artifact Train, Artifact Eval) Compile(TrainableModel m, TrainingOptions options) =>
        (m, ArtifactCompiler.CompileTraining(m, options), ArtifactCompiler.CompileEvaluation(m, options.BatchSize));
}
