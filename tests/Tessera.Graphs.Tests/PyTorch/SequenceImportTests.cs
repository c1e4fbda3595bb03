using Tessera.Graphs.Training;
using Xunit.Abstractions;

namespace Tessera.Graphs.Tests.PyTorch;

/// <summary>Real PyTorch exports of sequence and attention models (see generate_sequence.py) import, match PyTorch's loss and gradients, and train.</summary>
public class SequenceImportTests(ITestOutputHelper output)
{
    public static readonly TheoryData<string> Compared =
    [
        "lstm_lm", "lstm2_lm_seqfirst", "lstm_bi_lm", "gru_cls", "gru2_cls_seqfirst", "gru_bi_cls",
        "mha_cls", "mha_cls_seqfirst", "encoder_relu", "encoder_gelu_normfirst",
    ];

    [Theory]
    [MemberData(nameof(Compared))]
    public void Loss_and_gradients_match_PyTorch(string name)
    {
        var f = TorchReference.Load(name);
        var (lossError, errors) = f.Errors(LossKind.SoftmaxCrossEntropy);
        output.WriteLine($"{name}: loss rel {lossError:G3}, max grad rel {errors.Values.Max():G3} ({errors.MaxBy(kv => kv.Value).Key})");
        f.AssertGradientsMatch(LossKind.SoftmaxCrossEntropy);
    }
}
