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
        WorkerRegistry workers, NodeAggregators nodes, BlobStore blobs, ILocalSiloDetails silo, Trust.TaskReplayer replayer)
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
        var notice = AuditNotice.Of(verdict, 0, runtime, $"re-run by worker {verifierId}");
        var vote = await job.Grain.Vote(task.Id, notice);
        if (vote.Error is { } why) return ApiErrors.Conflict(why);
        if (vote.Arbitrate)
        {
            // The verifiers did not all pass it: the coordinator's own replay decides, so no verifier can get an honest worker banned.
            var (own, ms) = await replayer.Audit(job, original, original.WorkerId, claimed.Delta, claimedEnvelope);
            var arbiter = AuditNotice.Of(own, ms, runtime, $"re-run by worker {verifierId}, confirmed by the coordinator's replay");
            vote = await job.Grain.Arbitrated(original.Id, arbiter);
            if (vote.Error is { } lost) return ApiErrors.Conflict(lost);
        }
        if (vote.Fold)
        {
            try
            {
                nodes.Fold(job.Id, vote.Round, vote.Attempt,
                    () => setup.OpenRound(job.Id, vote.Round, vote.Attempt, blobs.LoadCheckpoint(job.Id, original.Version, setup.Template), blobs, silo.SiloAddress.ToParsableString()), claimed);
            }
            catch
            {
                await job.Grain.Release(original.Id);
                throw;
            }
            await job.Grain.Folded(UpdateNotice.Of(original.Id, original.WorkerId, claimed, claimedEnvelope, body.Length, null, silo.SiloAddress, vote.Verdict));
        }
        if (vote.Decided) File.Delete(held);
        return Results.Json(new ResultResponse(true, task.Id, task.Round, 0), WireJson.Options);
    }
}
