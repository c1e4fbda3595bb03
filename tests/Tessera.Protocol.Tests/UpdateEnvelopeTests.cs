using Tessera.Protocol.Wire;

namespace Tessera.Protocol.Tests;

public class UpdateEnvelopeTests
{
    static UpdateEnvelope Envelope(params float[] losses) => new()
    {
        TaskId = "t-1", BaseVersion = 3, SampleCount = 40, Steps = 4, LossTrace = losses, Commitment = new string('a', 64), SamplesPerSecond = 12.5,
    };

    [Fact]
    public void Metadata_round_trips_every_field()
    {
        var back = UpdateEnvelope.FromMetadata(Envelope(2.5f, 1.25f).ToMetadata());
        Assert.Equal(("t-1", 3L, 40L, 4, 12.5), (back.TaskId, back.BaseVersion, back.SampleCount, back.Steps, back.SamplesPerSecond));
        Assert.Equal([2.5f, 1.25f], back.LossTrace);
    }

    [Fact]
    public void A_diverged_loss_trace_is_written_and_read_as_named_literals()
    {
        var meta = Envelope(2.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity).ToMetadata();
        Assert.Equal("""[2.5,"NaN","Infinity","-Infinity"]""", meta["loss_trace"]);
        var back = UpdateEnvelope.FromMetadata(meta);
        Assert.Equal(new[] { 2.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity }, back.LossTrace);
    }

    [Theory]
    [InlineData("[1.0, null]")]
    [InlineData("not json")]
    [InlineData("[\"many\"]")]
    public void A_malformed_loss_trace_is_refused_naming_the_key(string trace)
    {
        var meta = new Dictionary<string, string>(Envelope(1f).ToMetadata()) { ["loss_trace"] = trace };
        var e = Assert.Throws<FormatException>(() => UpdateEnvelope.FromMetadata(meta));
        Assert.Contains("loss_trace", e.Message);
    }
}
