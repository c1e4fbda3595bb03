using System.Runtime.InteropServices;
using Tessera.Data;
using Tessera.Graphs.Training;
using Tessera.Protocol.Wire;

namespace Tessera.Runtime;

/// <summary>Everything that determines a task's training, as the coordinator handed it out (and would replay it).</summary>
public sealed record TaskRecipe(string TaskId, string WorkerId, long BaseVersion, int Epochs, int Steps, ulong Seed,
    IReadOnlyDictionary<string, double> Hyperparameters, int CommitEvery);

/// <summary>A task's weights after training, what the training did, and the commitment chain made along the way.</summary>
public sealed record TrainedTask(ParameterSet After, LocalTrainingResult Result, CommitmentChain Chain);

/// <summary>
/// One task's local training, exactly as a worker runs it and as the coordinator replays it for an audit: base
/// weights (and FedProx's anchor, SCAFFOLD's control variates) into the trainer, fresh optimizer state, the
/// task's seed for batch order and dropout, calls that end on every commit step, and the weights hashed there.
/// Sharing this one routine is what makes an honest replay agree with an honest worker.
/// </summary>
public static class TaskTraining
{
    public const int StepsPerCall = 50;

    public static TrainedTask Run(Trainer trainer, ParameterSet global, Dataset data, TaskRecipe recipe,
        (ParameterSet Server, ParameterSet Client)? controls = null, Action<int, int>? progress = null)
    {
        var m = trainer.Manifest;
        trainer.SetParameters(global);
        trainer.ResetOptimizerState();
        if (m.ExtraInputs.Any(n => n.StartsWith(ArtifactManifest.GlobalPrefix, StringComparison.Ordinal)))
            trainer.SetGlobalWeights(global);
        if (m.ExtraInputs.Any(n => n.StartsWith(ArtifactManifest.ServerControlPrefix, StringComparison.Ordinal)))
        {
            var (c, ci) = controls ?? throw new FormatException("the artifact trains SCAFFOLD but the task names no control variates");
            trainer.SetControlVariates(c, ci);
        }
        var hp = Runtime.Hyperparameters.FromNamed(recipe.Hyperparameters) with { DropoutSeed = (long)(recipe.Seed & 0x7fff_ffff) };
        var chain = new CommitmentChain(recipe.TaskId, recipe.WorkerId, recipe.BaseVersion);
        var flat = new float[global.Count];
        var result = LocalTraining.Run(trainer, data, null, recipe.Epochs, hp, recipe.Seed, StepsPerCall, recipe.Steps, (done, total) =>
        {
            if (CommitmentChain.IsCommitStep(done, total, recipe.CommitEvery))
            {
                trainer.CopyParametersTo(flat);
                chain.Add(done, MemoryMarshal.AsBytes(flat.AsSpan()));
            }
            progress?.Invoke(done, total);
        }, recipe.CommitEvery);
        return new TrainedTask(trainer.GetParameters(), result, chain);
    }
}
