using System.Numerics.Tensors;
using Tessera.Federation;
using Tessera.Federation.Planning;
using Tessera.Federation.Strategies;
using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Simulation;

/// <summary>
/// What one virtual client produced: its update, its loss trace summary, (SCAFFOLD) its new c_i and (FedBN) its own
/// BatchNorm tensors after training, packed. A client whose training diverged has <see cref="Diverged"/> set and is
/// not folded: it declines, as a real worker does. <see cref="UploadBytes"/> is what its upload file costs on the wire.
/// </summary>
public sealed record ClientOutcome(ClientUpdate Update, double LossSum, int LossCount, float[]? NewControlVariate, bool Diverged = false,
    float[]? NewLocalTensors = null, long UploadBytes = 0);

/// <summary>
/// Trains one virtual client from the global weights on a pooled Trainer and turns the result into the
/// same ClientUpdate a real worker would upload (delta = local − global, sample count n_k, steps τ_k), compressed
/// and decoded as the job's upload codec would. With FedBN (<paramref name="local"/>) the client trains from its own
/// BatchNorm tensors, returns what training made of them (the loop keeps them when the update arrives, so simulated
/// time decides what an evaluation sees), and uploads a zero delta there. With <paramref name="poisoned"/>, the
/// Byzantine clients of label_flip and backdoor train on their poisoned samples instead.
/// </summary>
public sealed class ClientRunner(FederatedData data, LocalSetup setup, TrainerPool pool, ParameterSet template, JobPlan plan, int stepsPerCall,
    UploadCompression? compression = null, ClientLocalTensors? local = null, PoisonedShards? poisoned = null)
{
    readonly Lazy<long> _denseBytes = new(() => UploadCompression.DenseWireBytes(template));

    /// <param name="serverControl">SCAFFOLD's c; <paramref name="clientControl"/> is this client's c_i (null = never trained: zeros).</param>
    public ClientOutcome Train(int client, string clientId, long round, GlobalModel model, float[]? serverControl = null, float[]? clientControl = null)
    {
        // A Byzantine client of a data-poisoning attack trains on its poisoned copy of its samples.
        var own = poisoned?.IndicesOf(client);
        var train = own is null ? data.Train : poisoned!.Data;
        var indices = own ?? data.ClientIndices[client];
        var trainer = pool.Rent(setup.BatchFor(indices.Length));
        try
        {
            var start = local?.StartFrom(client, model.Weights) ?? model.Weights;
            var global = template.WithValues(start);   // FedProx pulls the local tensors toward the client's own values
            trainer.SetParameters(global);
            trainer.ResetOptimizerState();   // every task starts a fresh local optimizer, as a real worker would
            if (setup.UsesProx) trainer.SetGlobalWeights(global);
            var ci = clientControl ?? (setup.UsesControlVariates ? new float[model.Length] : null);
            if (setup.UsesControlVariates)
                trainer.SetControlVariates(template.WithValues(serverControl ?? new float[model.Length]), template.WithValues(ci));

            ulong seed = plan.TrainingSeed(round, client);
            var hp = setup.Hyperparameters with { DropoutSeed = (long)(seed >> 1) };
            var result = LocalTraining.Run(trainer, train, indices, setup.Epochs, hp, seed, stepsPerCall, setup.MaxSteps);

            var delta = new float[model.Length];
            trainer.CopyParametersTo(delta);
            // delta holds the weights after training here.
            var ownAfter = local?.Layout.Extract(delta);
            TensorPrimitives.Subtract(delta, start, delta);
            // Diverged (NaN or infinite weights): like a worker, decline before the codec's residual or c_i can take it in.
            if (!TensorPrimitives.IsFiniteAll<float>(delta))
                return new ClientOutcome(new ClientUpdate(clientId, delta, indices.Length, result.Steps, null, model.Version), 0, 0, null, Diverged: true);
            // The rest of delta is after − global: start differs from the global weights only in the local ranges.
            local?.Layout.Clear(delta);
            // What the coordinator would fold after the job's upload codec (top-k adds this client's residual into delta).
            var (uploaded, bytes) = compression?.Apply(client, delta) ?? (delta, _denseBytes.Value);

            float[]? dc = null, newCi = null;
            if (setup.UsesControlVariates)
            {
                (newCi, dc) = ScaffoldClient.Update(ci!, serverControl ?? new float[model.Length], delta, result.Steps, hp.LearningRate);
                bytes += 4L * dc.Length;   // Δc_i travels beside the delta, dense F32
            }
            var update = new ClientUpdate(clientId, uploaded, indices.Length, result.Steps, dc, model.Version);
            return new ClientOutcome(update, result.Losses.Sum(l => (double)l), result.Losses.Length, newCi, NewLocalTensors: ownAfter, UploadBytes: bytes);
        }
        finally
        {
            pool.Return(trainer);
        }
    }
}
