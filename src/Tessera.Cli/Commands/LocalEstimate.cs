using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;
using Tessera.Simulation;

namespace Tessera.Cli.Commands;

/// <summary>
/// An estimate's inputs read on this machine, as `tessera simulate` reads a spec: the model (zoo, or model.onnx
/// relative to the spec), its compiled training and evaluation artifacts, and the data set cut into the shards the
/// coordinator would cut, and this machine's evaluation speed in place of the coordinator's. The pool is the stated fleet.
/// </summary>
internal static class LocalEstimate
{
    public static EstimateInput Inputs(JobSpec spec, string specPath, IReadOnlyList<EstimatedWorker> fleet)
    {
        if (spec.Local.BatchSize <= 0) throw new JobSpecException("local.batch_size", "an estimate needs a batch size (full-batch jobs are not served by the coordinator)");
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(specPath))!;
        var plan = JobPlan.From(spec);
        var model = plan.CreateModel(SpecFiles.ReadModel(spec.Model, baseDirectory));
        var training = ArtifactCompiler.CompileTraining(model, plan.Options);
        var evaluation = ArtifactCompiler.CompileEvaluation(model, spec.Local.BatchSize);
        int[] shards = [];
        int tests = 0;
        double evaluationSpeed = 0;
        if (!spec.Data.OnWorkers)
        {
            var data = FederatedData.Load(plan, model, baseDirectory);
            shards = data.ClientIndices.Select(c => c.Length).Where(n => n > 0).ToArray();
            // Another named evaluation set would need its own files; the job's own test split is what is here.
            tests = spec.Evaluation.Dataset == "test" ? data.Test.Count : 0;
            // This machine stands in for the coordinator's evaluation speed.
            if (tests > 0) evaluationSpeed = Tessera.Runtime.EvaluationSpeed.Measure(model, data.Test);
        }
        return new EstimateInput
        {
            Spec = spec, TrainingFlopsPerSample = training.Manifest.FlopsPerSample, ForwardFlopsPerSample = evaluation.Manifest.FlopsPerSample,
            ShardSamples = shards, TestSamples = tests, Workers = fleet, EvaluationSamplesPerSecond = evaluationSpeed,
        };
    }
}
