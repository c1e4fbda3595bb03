using System.CommandLine;
using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>`tessera demo`: the main job on a fresh machine — fetches MNIST, trains, shows progress and results.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "Train the McMahan et al. 2NN on MNIST end to end and show the results");
        cmd.SetAction(_ => Guarded.Run(() =>
            TrainCommand.Run("2nn", epochs: 3, batch: 50, lr: 0.05f, lrDecay: 0.7f, momentum: 0.9f, OptimizerKind.Sgd, subset: 0, stepsPerCall: 50,
                RuntimeOptions.Default, "out/demo", seed: 1)));
        return cmd;
    }
}
