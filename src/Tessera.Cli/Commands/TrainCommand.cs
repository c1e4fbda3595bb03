using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tessera.Cli.Reports;
using Tessera.Data;
using Tessera.Data.Loading;
using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>`tessera train`: centralized training of a zoo model on MNIST with the training artifact, as a baseline and proof.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var epochs = new Option<int>("--epochs") { Description = "passes over the training data", DefaultValueFactory = _ => 5 };
        var batch = CliOptions.Batch(50);
        var lr = new Option<float>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 0.05f };
        var decay = new Option<float>("--lr-decay") { Description = "multiply the learning rate by this after each epoch (1 = constant)", DefaultValueFactory = _ => 1f };
        var momentum = new Option<float>("--momentum") { Description = "SGD momentum (0 = plain SGD)", DefaultValueFactory = _ => 0.9f };
        var optimizer = CliOptions.Optimizer();
        var subset = new Option<int>("--train-samples") { Description = "use only the first N training samples (0 = all)", DefaultValueFactory = _ => 0 };
        var steps = new Option<int>("--steps-per-call") { Description = "optimizer steps per artifact call (K)", DefaultValueFactory = _ => 50 };
        var threads = CliOptions.Threads();
        var provider = CliOptions.Provider();
        var outDir = new Option<string>("--out") { Description = "folder for the exported model, metrics CSV and plot", DefaultValueFactory = _ => "out/train" };
        var seed = new Option<ulong>("--seed") { Description = "seed for initial weights and shuffling", DefaultValueFactory = _ => 1 };

        var cmd = new Command("train", "Train a zoo model on MNIST on this machine (centralized), evaluating each epoch")
        {
            model, epochs, batch, lr, decay, momentum, optimizer, subset, steps, threads, provider, outDir, seed,
        };
        cmd.SetAction(pr => Guarded.Run(() => Run(pr.GetValue(model)!, pr.GetValue(epochs), pr.GetValue(batch), pr.GetValue(lr), pr.GetValue(decay),
            pr.GetValue(momentum), pr.GetValue(optimizer), pr.GetValue(subset), pr.GetValue(steps),
            new RuntimeOptions { IntraOpThreads = pr.GetValue(threads), Provider = pr.GetValue(provider) }, pr.GetValue(outDir)!, pr.GetValue(seed))));
        return cmd;
    }

    public static int Run(string modelName, int epochs, int batch, float lr, float lrDecay, float momentum, OptimizerKind optimizer, int subset, int stepsPerCall,
        RuntimeOptions runtime, string outDir, ulong seed)
    {
        CliOptions.Require(epochs >= 1, "--epochs", "must be at least 1");
        CliOptions.Require(batch >= 1, "--batch", "must be at least 1");
        CliOptions.Require(lr > 0 && float.IsFinite(lr), "--lr", "must be a positive number");
        CliOptions.Require(lrDecay > 0 && lrDecay <= 1, "--lr-decay", "must be in (0, 1]");
        CliOptions.Require(stepsPerCall >= 1, "--steps-per-call", "must be at least 1");
        CliOptions.Require(subset >= 0, "--train-samples", "must be 0 (all) or positive");
        var model = ModelZoo.Create(modelName, seed);
        CliOptions.Require(model.Name is "2nn" or "cnn" or "lenet" or "logreg", "--model", $"'{modelName}' does not train on MNIST; use logreg, 2nn, cnn or lenet");
        var layout = model.SampleShape.Length == 1 ? MnistLayout.Flat : MnistLayout.Image;
        var train = MnistLoader.LoadTrain(layout);
        var test = MnistLoader.LoadTest(layout);
        int[]? indices = subset > 0 ? Enumerable.Range(0, Math.Min(subset, train.Count)).ToArray() : null;

        var options = new TrainingOptions { BatchSize = batch, Optimizer = optimizer, Momentum = optimizer == OptimizerKind.Sgd && momentum > 0 };
        var artifact = ArtifactCompiler.CompileTraining(model, options);
        AnsiConsole.MarkupLine($"[bold]{model.Name}[/]: {model.ParameterCount:N0} parameters, artifact [grey]{artifact.Sha256[..16]}[/], " +
                               $"{artifact.Manifest.FlopsPerSample / 1e6:F1} MFLOP per training sample, batch {batch}, {artifact.Manifest.Optimizer}");
        using var trainer = new Trainer(artifact, model.InitialParameters(), runtime);
        using var evaluator = new Evaluator(model, 1000, runtime);
        var hp = new Hyperparameters { LearningRate = lr, Momentum = momentum };

        var table = new Table().AddColumns("epoch", "train loss", "train acc", "test loss", "test acc", "samples/s");
        var curve = new List<(int Epoch, double TestAcc, double TrainLoss)>();
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                for (int e = 1; e <= epochs; e++)
                {
                    var task = ctx.AddTask($"epoch {e}/{epochs}");
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    var result = LocalTraining.Run(trainer, train, indices, 1, hp with { LearningRate = lr * MathF.Pow(lrDecay, e - 1) }, seed * 1000 + (ulong)e, stepsPerCall,
                        progress: (done, total) => task.Value = 100.0 * done / total);
                    double rate = result.Samples / watch.Elapsed.TotalSeconds;
                    var eval = evaluator.Evaluate(trainer.GetParameters(), test);
                    curve.Add((e, eval.Accuracy, result.MeanLoss));
                    table.AddRow(e.ToString(), result.MeanLoss.ToString("F4"), result.TrainAccuracy.ToString("P2"),
                        eval.Loss.ToString("F4"), eval.Accuracy.ToString("P2"), rate.ToString("N0"));
                }
            });
        AnsiConsole.Write(table);

        Directory.CreateDirectory(outDir);
        var onnxPath = Path.Combine(outDir, $"{model.Name}.onnx");
        File.WriteAllBytes(onnxPath, InferenceExport.ToOnnx(model, trainer.GetParameters()).ToBytes());
        var csv = Path.Combine(outDir, "metrics.csv");
        File.WriteAllLines(csv, ["epoch,train_loss,test_accuracy", .. curve.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Epoch},{c.TrainLoss:F6},{c.TestAcc:F6}"))]);
        var png = Path.Combine(outDir, "test-accuracy.png");
        CurvePlot.Save(png, $"{model.Name} on MNIST", "epoch", "test accuracy",
            ("test accuracy", curve.Select(c => (double)c.Epoch).ToArray(), curve.Select(c => c.TestAcc).ToArray()));
        AnsiConsole.MarkupLine($"final test accuracy [bold green]{curve[^1].TestAcc:P2}[/]; model {onnxPath}, metrics {csv}, plot {png}");
        return 0;
    }
}
