using Tessera.Protocol;

namespace Tessera.Browser.Tests;

/// <summary>A browser tab runs a SCAFFOLD task: it downloads c and c_i, trains the corrected artifact, and its Δc_i is accepted.</summary>
[Collection("browser")]
public sealed class BrowserScaffoldTests
{
    [Fact]
    public async Task A_browser_tab_does_a_SCAFFOLD_task_and_its_upload_with_the_control_variate_delta_is_accepted()
    {
        await using var c = await TestCoordinator.Start();
        // Not audited: a fresh tab's first task can miss the replay tolerance (docs/TRUST.md), which would change the
        // ledger counts this test reads; audits across runtimes are BrowserVerificationTests'.
        var job = await c.CreateJob("""
            name: browser-scaffold
            model: 2nn
            rounds: 1
            clients_per_round: 1
            strategy: { name: scaffold }
            data: { clients: 1, train_samples: 2000 }
            local: { epochs: 1, batch_size: 20, lr: 0.05 }
            verification: { replay: off }
            """);
        using var browser = BrowserDriver.Start(("tab", $"{c.Url}/worker?token={job.JoinToken}&name=tab"));

        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed", TimeSpan.FromMinutes(4));
        Assert.True(done.Status == "completed", $"job ended {done.Status}: {done.Error}\n{browser.Errors}");
        var credited = Assert.Single(await c.Ledger(job.Id));
        Assert.Equal((1L, "tab"), (credited.Updates, credited.Name));

        // One client of N = 1 from c = c_i = 0: c after the round is the tab's Δc_i = −Δy/(K·lr), and x1 − x0 = Δy.
        var w0 = Floats(await c.Http.GetByteArrayAsync($"/api/v1/weights/{job.Id}/0"));
        var w1 = Floats(await c.Http.GetByteArrayAsync($"/api/v1/weights/{job.Id}/1"));
        var c1 = Floats(await c.Http.GetByteArrayAsync($"/api/v1/controls/{job.Id}/1"));
        long steps = credited.Samples / 20;
        float scale = c1.Max(MathF.Abs);
        Assert.True(scale > 0, "the server control variate did not move");
        for (int j = 0; j < c1.Length; j++)
        {
            float expected = -(w1[j] - w0[j]) / (steps * 0.05f);
            Assert.True(MathF.Abs(c1[j] - expected) <= 1e-3f * scale, $"c[{j}] = {c1[j]}, expected {expected}");
        }
    }

    static float[] Floats(byte[] safetensors) => SafetensorsFile.Read(safetensors).Tensors.SelectMany(t => t.ToFloatArray()).ToArray();
}
