using Tessera.Graphs.Training;

namespace Tessera.Graphs.Zoo;

/// <summary>The models Tessera ships, built as ONNX forward graphs with deterministic initial weights.</summary>
public static class ModelZoo
{
    public static IReadOnlyList<string> Names { get; } = ["logreg", "2nn", "cnn", "lenet", "chartransformer"];

    public static TrainableModel Create(string name, ulong seed = 1) => name.ToLowerInvariant() switch
    {
        "logreg" => LogisticRegression(seed: seed),
        "2nn" or "mlp" => Mnist2NN(seed),
        "cnn" => MnistCnn(seed),
        "lenet" => MnistLeNet(seed),
        "chartransformer" or "transformer" => CharTransformer(seed: seed),
        _ => throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Names)}"),
    };

    /// <summary>Multinomial logistic regression on flat MNIST (784 inputs, 10 classes).</summary>
    public static TrainableModel LogisticRegression(long features = 784, long classes = 10, ulong seed = 1)
    {
        var l = new LayerBuilder("logreg", seed);
        var x = l.Input("input", DType.Float, features);
        l.Output(l.Linear(x, features, classes, "fc"), classes);
        return new TrainableModel("logreg", l.Graph, LossKind.SoftmaxCrossEntropy);
    }

    /// <summary>McMahan et al. 2017 "2NN": 784-200-200-10 with ReLU, 199,210 parameters.</summary>
    public static TrainableModel Mnist2NN(ulong seed = 1)
    {
        var l = new LayerBuilder("2nn", seed);
        var x = l.Input("input", DType.Float, 784);
        var h = l.Relu(l.Linear(x, 784, 200, "fc1"));
        h = l.Relu(l.Linear(h, 200, 200, "fc2"));
        l.Output(l.Linear(h, 200, 10, "fc3"), 10);
        return new TrainableModel("2nn", l.Graph, LossKind.SoftmaxCrossEntropy);
    }

    /// <summary>McMahan et al. 2017 "CNN": two 5x5 convs (32, 64, same padding) with 2x2 max pooling, fc 512, fc 10: 1,663,370 parameters.</summary>
    public static TrainableModel MnistCnn(ulong seed = 1) => TwoConvNet("cnn", 32, 64, padding: 2, hidden: 512, seed);

    /// <summary>
    /// PyTorch's classic MNIST example, which ByzFL benchmarks as <c>cnn_mnist</c>: two valid 5x5 convs (20, 50),
    /// fc 800→500, fc 10: 431,080 parameters, about a fifth of the McMahan CNN's FLOPs.
    /// </summary>
    public static TrainableModel MnistLeNet(ulong seed = 1) => TwoConvNet("lenet", 20, 50, padding: 0, hidden: 500, seed);

    /// <summary>Two 5x5 convs on 28x28 MNIST, each ReLU then 2x2 max pooling, then a ReLU hidden layer and 10 classes.</summary>
    static TrainableModel TwoConvNet(string name, long c1, long c2, long padding, long hidden, ulong seed)
    {
        var l = new LayerBuilder(name, seed);
        var x = l.Input("input", DType.Float, 1, 28, 28);
        var h = l.MaxPool2d(l.Relu(l.Conv2d(x, 1, c1, 5, padding, "conv1")), 2);
        h = l.MaxPool2d(l.Relu(l.Conv2d(h, c1, c2, 5, padding, "conv2")), 2);
        h = l.B.Op("Flatten", [h], ("axis", 1L));
        long side = ((28 + 2 * padding - 4) / 2 + 2 * padding - 4) / 2;
        h = l.Relu(l.Linear(h, side * side * c2, hidden, "fc1"));
        l.Output(l.Linear(h, hidden, 10, "fc2"), 10);
        return new TrainableModel(name, l.Graph, LossKind.SoftmaxCrossEntropy);
    }

    /// <summary>
    /// A small GPT-style character model: token and position embeddings, pre-norm transformer blocks with causal
    /// multi-head attention and a GELU MLP, dropout, and a next-character head. The causal mask is a frozen initializer.
    /// </summary>
    public static TrainableModel CharTransformer(long vocab = 96, long context = 32, long width = 64, long heads = 4, int blocks = 1, ulong seed = 1)
    {
        var l = new LayerBuilder("chartransformer", seed);
        var b = l.B;
        long dh = width / heads;
        var tokens = l.Input("tokens", DType.Int64, context);
        var h = b.Add(b.Op("Gather", l.Normal("tok_emb", [vocab, width], 0.02f), tokens), l.Normal("pos_emb", [context, width], 0.02f));
        var mask = new float[context * context];
        for (int i = 0; i < context; i++) for (int j = i + 1; j < context; j++) mask[i * context + j] = -1e9f;
        var causal = l.Parameter("causal_mask", [context, context], mask);

        for (int k = 0; k < blocks; k++)
        {
            string p = $"block{k}";
            var a = l.LayerNorm(h, width, $"{p}.ln1");
            var qkv = b.Ops("Split", [l.Dense(a, width, 3 * width, $"{p}.attn.qkv"), b.Ints(width, width, width)], 3, ("axis", -1L));
            string Heads(string t) => b.Transpose(b.Reshape(t, -1, context, heads, dh), 0, 2, 1, 3);   // [B,H,T,dh]
            var (q, kk, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
            var scores = b.Add(b.Mul(b.MatMul(q, b.Transpose(kk, 0, 1, 3, 2)), b.Scalar(1f / MathF.Sqrt(dh))), causal);
            var att = b.MatMul(b.Op("Softmax", [scores], ("axis", -1L)), v);
            var merged = b.Reshape(b.Transpose(att, 0, 2, 1, 3), -1, context, width);
            h = b.Add(h, l.Dropout(l.Dense(merged, width, width, $"{p}.attn.proj"), 0.1f));
            var m = l.LayerNorm(h, width, $"{p}.ln2");
            m = l.Dense(b.Op("Gelu", l.Dense(m, width, 4 * width, $"{p}.mlp.fc")), 4 * width, width, $"{p}.mlp.proj");
            h = b.Add(h, l.Dropout(m, 0.1f));
        }
        h = l.LayerNorm(h, width, "ln_f");
        l.Output(l.Dense(h, width, vocab, "head"), context, vocab);
        var trainable = l.Graph.Initializers.Keys.Where(k => k != "causal_mask").ToList();
        return new TrainableModel("chartransformer", l.Graph, LossKind.SoftmaxCrossEntropy, trainable);
    }
}
