using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>
/// Whole-model gradients of zoo models, checked by finite differences on a few elements of every parameter
/// tensor. The loss is sum(logits * R) (summed in double, so far less roundoff than a float cross-entropy;
/// the cross-entropy head's ops are checked on their own). The forward graph is not lowered, so Dropout is
/// the identity.
/// </summary>
public class ZooGradientTests
{
    [Fact]
    public void Mnist2NN_gradient_matches_finite_differences()
    {
        // A Relu net is piecewise linear in each weight: a small step keeps hidden units from crossing zero,
        // and gradients here are ~0.05, so the absolute tolerance is tightened to match.
        Check(ModelZoo.Mnist2NN(), TensorData.FromFloats([2, 784], TestData.Floats(2 * 784, 3)), eps: 1e-3f, atol: 2e-4);
    }

    [Fact]
    public void CharTransformer_gradient_matches_finite_differences()
    {
        // Embeddings are ~0.02 and LayerNorm divides by their spread, so the step must be well below that.
        var model = ModelZoo.CharTransformer(vocab: 11, context: 5, width: 8, heads: 2);
        Check(model, TensorData.FromLongs([2, 5], TestData.Classes(10, 11, 4)), eps: 1e-3f, atol: 2e-3);
    }

    /// <summary>The data batch becomes a constant, the trainable parameters graph inputs to differentiate.</summary>
    static void Check(TrainableModel model, TensorData data, float eps, double atol)
    {
        var g = model.Forward.Clone();
        g.Inputs.Clear();
        g.Outputs.Clear();
        g.Initializers[model.Input.Name] = data;
        var values = new Dictionary<string, float[]>();
        foreach (var p in model.Trainable)
        {
            var init = g.Initializers[p];
            values[p] = init.ToFloats();
            g.Initializers.Remove(p);
            g.Inputs.Add(new ValueInfo(p, DType.Float, init.Shape));
        }
        var c = new GradientCheck(model.Name, g)
        {
            Eps = eps, Atol = atol, Samples = 8, CheckAllUpTo = 8,
            // Embedding rows no token looks up have zero gradient; a sample may land only on those.
            RequireSignal = false,
        };
        foreach (var p in model.Trainable) c.Differentiate(p, values[p]);
        c.Check(model.Output);
    }
}
