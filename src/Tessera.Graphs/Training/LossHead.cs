namespace Tessera.Graphs.Training;

/// <summary>Appends the loss (mean over the batch) and the count of correct predictions to a forward graph.</summary>
internal static class LossHead
{
    public static (string Loss, string Correct) Append(GraphBuilder b, LossKind kind, string output, string labels)
    {
        switch (kind)
        {
            case LossKind.SoftmaxCrossEntropy:
            {
                // -mean(log softmax(z)[y]); works over a sequence axis too ([B,T,C] logits, [B,T] labels).
                var logp = b.Op("LogSoftmax", [output], ("axis", -1L));
                var picked = b.Op("GatherElements", [logp, b.Unsqueeze(labels, -1)], ("axis", -1L));
                var loss = b.Neg(b.Op("ReduceMean", [picked], ("keepdims", 0L)));
                var predicted = b.Op("ArgMax", [output], ("axis", -1L), ("keepdims", 0L));
                var correct = b.SumAll(b.Cast(b.Op("Equal", predicted, labels), DType.Float));
                return (loss, correct);
            }
            case LossKind.MeanSquaredError:
            {
                var diff = b.Sub(output, labels);
                return (b.Op("ReduceMean", [b.Mul(diff, diff)], ("keepdims", 0L)), b.Scalar(0f));
            }
            case LossKind.BinaryCrossEntropy:
            {
                // BCE with logits, stable form: max(z,0) - z*y + log(1 + exp(-|z|)).
                var z = output;
                var perElement = b.Add(b.Sub(b.Op("Relu", z), b.Mul(z, labels)), b.Op("Softplus", b.Neg(b.Op("Abs", z))));
                var loss = b.Op("ReduceMean", [perElement], ("keepdims", 0L));
                var hit = b.Op("Equal", b.Op("Greater", z, b.Scalar(0f)), b.Op("Greater", labels, b.Scalar(0.5f)));
                return (loss, b.SumAll(b.Cast(hit, DType.Float)));
            }
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
