using Microsoft.AspNetCore.Http;
using Orleans.Runtime;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Workers;
using Tessera.Federation;
using Tessera.Federation.Trust;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>
/// A verifier's upload (replay: workers): its re-run is judged against the held update it checks, exactly as a
/// coordinator replay would be (<see cref="ReplayAudit"/>), and counted as one vote. The node that takes the
/// deciding vote of a pass folds the held update and reports it; the re-run itself is never folded.
/// </summary>
public static class VerificationUploads
{
    public static async Task<IResult> Vote(JobHandle job, TaskInfo task, string verifierId, ClientUpdate rerun, UpdateEnvelope rerunEnvelope,
        WorkerRegistry workers, NodeAggregators nodes, BlobStore blobs, ILocalSiloDetails silo)
    {
        var setup = job.Setup;
        var spec = setup.Spec.Verification;
        var original = await job.Grain.FindTask(task.VerifiesTask!);
        string held = blobs.HeldUpdatePath(job.Id, task.VerifiesTask!);
        if (original is null || !File.Exists(held))
        {
            await job.Grain.Release(task.Id);
            return ApiErrors.Conflict($"task {task.Id} re-ran task {task.VerifiesTask}, which is no longer held");
        }
        var body = await File.ReadAllBytesAsync(held);
        var (claimed, claimedEnvelope) = UploadDecoder.Decode(body, original, setup.Template, setup.Spec.Local.BatchSize, original.WorkerId, setup.Spec.Upload.ForTask());
        var verdict = ReplayAudit.Judge(claimed.Delta, rerun.Delta, spec.Tolerance, spec.FailAbove, claimedEnvelope.Commitment, rerunEnvelope.Commitment);
        string? runtime = (await workers.Profile(original.WorkerId))?.Runtime;
        var notice = new AuditNotice(verdict.Outcome.ToString().ToLowerInvariant(), verdict.RelativeError, verdict.ChainMatches, 0, runtime,
            verdict.Reason is null ? null : $"{verdict.Reason} (re-run by worker {verifierId})");
        var vote = await job.Grain.Vote(task.Id, notice);
        if (vote.Error is { } why) return ApiErrors.Conflict(why);
        if (vote.Fold)
        {
            try
            {
                nodes.Fold(job.Id, vote.Round, vote.Attempt,
                    () => setup.Strategy.BeginRound(vote.Round, blobs.LoadCheckpoint(job.Id, original.Version, setup.Template)), claimed);
            }
            catch
            {
                await job.Grain.Release(original.Id);
                throw;
            }
            var losses = claimedEnvelope.LossTrace.Where(float.IsFinite).ToList();
            await job.Grain.Folded(new UpdateNotice(original.Id, original.WorkerId, claimed.SampleCount, claimed.LocalSteps, claimedEnvelope.Commitment, body.Length,
                losses.Sum(l => (double)l), losses.Count, null, silo.SiloAddress,
                claimedEnvelope.Evaluation is { } e ? new EvaluationNotice(e.Samples, e.Loss, e.Accuracy, e.Metrics.ToDictionary()) : null, vote.Verdict));
        }
        if (vote.Decided) File.Delete(held);
        return Results.Json(new ResultResponse(true, task.Id, task.Round, 0), WireJson.Options);
    }
}
