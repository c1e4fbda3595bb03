namespace Tessera.Graphs.Interop;

/// <summary>
/// Unrolls ONNX LSTM, GRU and RNN nodes over their static sequence length into MatMul, Add, Split, Squeeze, Sigmoid, Tanh,
/// Mul, Gather and Concat, so the existing gradient rules differentiate them: a fused recurrent op would need a
/// gradient rule of its own built from the same primitives, and unrolling once at import keeps one code path.
/// Gate orders are ONNX's (LSTM i,o,f,c; GRU z,r,h); PyTorch's exporter already reorders its weights into them.
/// </summary>
internal static class RecurrentLowering
{
    static readonly HashSet<string> Recurrent = ["LSTM", "GRU", "RNN"];

    public static bool Has(Graph g) => g.Nodes.Any(n => Recurrent.Contains(n.OpType));

    /// <param name="shapes">Shapes of the graph's values (at any batch size; only sequence length and widths are read).</param>
    public static void Lower(Graph g, ShapeInference shapes)
    {
        var b = new GraphBuilder(g, "rnn");
        foreach (var n in g.Nodes.Where(n => Recurrent.Contains(n.OpType)).ToList())
        {
            new Unroll(b, shapes, n).Emit();
            g.Nodes.Remove(n);
        }
        g.SortTopologically();
    }

    sealed class Unroll(GraphBuilder b, ShapeInference shapes, Node n)
    {
        int Gates => n.OpType switch { "LSTM" => 4, "GRU" => 3, _ => 1 };

        UnsupportedOpException Refuse(string why) => new($"{n.Describe()}: {why}");

        public void Emit()
        {
            var direction = n.Str("direction", "forward");
            if (direction is not ("forward" or "reverse" or "bidirectional")) throw Refuse($"direction '{direction}' is not an ONNX direction");
            if (n.Has("clip")) throw Refuse("cell clipping (attribute 'clip') is not supported");
            if (n.Int("input_forget", 0) != 0) throw Refuse("coupled input and forget gates (input_forget=1) are not supported");
            if (n.Input(4) is not null) throw Refuse("per-sample sequence lengths (input 'sequence_lens', packed sequences) are not supported; pad the batch instead");
            if (n.OpType == "LSTM" && n.Input(7) is not null) throw Refuse("peephole connections (input 'P') are not supported");
            var activations = Activations(direction == "bidirectional" ? 2 : 1);

            bool batchFirst = n.Int("layout", 0) != 0;
            var xs = shapes.Shape(n.Inputs[0]);
            if (xs.Length != 3) throw Refuse($"input X must have rank 3, has shape {Shapes.Format(xs)}");
            long steps = batchFirst ? xs[1] : xs[0];
            if (steps < 0) throw Refuse("the sequence length must be static to unroll the recurrence; export with a fixed sequence length (no dynamic axis on time)");
            var rs = shapes.Shape(n.Inputs[2]);
            long hidden = n.Int("hidden_size", rs[^1]);
            if (rs[^1] != hidden || rs[^2] != Gates * hidden) throw Refuse($"R has shape {Shapes.Format(rs)}, expected [*,{Gates * hidden},{hidden}] for hidden_size {hidden}");

            // Time-major [T,B,I]; initial states [D,B,H].
            var x = batchFirst ? b.Transpose(n.Inputs[0], 1, 0, 2) : n.Inputs[0];
            string? State(int i) => n.Input(i) is { } s ? (batchFirst ? b.Transpose(s, 1, 0, 2) : s) : null;
            var h0 = State(5);
            var c0 = n.OpType == "LSTM" ? State(6) : null;
            // Zeros of [B,H] built from X's runtime shape, so the batch size stays whatever the artifact is compiled for.
            var zeros = b.Op("ConstantOfShape", [b.Op("Concat", [b.Op("Slice", b.Shape(x), b.Ints(1), b.Ints(2)), b.Ints(hidden)], ("axis", 0L))],
                ("value", TensorData.FromFloats([1], [0f])));

            int dirs = direction == "bidirectional" ? 2 : 1;
            var ys = new List<string>(); var hs = new List<string>(); var cs = new List<string>();
            for (int d = 0; d < dirs; d++)
            {
                bool reverse = direction == "reverse" || d == 1;
                var (y, h, c) = Direction(d, reverse, x, steps, hidden, h0 is null ? zeros : Pick(h0, d), c0 is null ? zeros : Pick(c0, d), activations[d]);
                ys.Add(b.Unsqueeze(y, 1)); hs.Add(b.Unsqueeze(h, 0)); cs.Add(b.Unsqueeze(c, 0));
            }
            var yAll = Cat(ys, 1); var hAll = Cat(hs, 0); var cAll = Cat(cs, 0);
            if (batchFirst) { yAll = b.Transpose(yAll, 2, 0, 1, 3); hAll = b.Transpose(hAll, 1, 0, 2); cAll = b.Transpose(cAll, 1, 0, 2); }
            string[] results = n.OpType == "LSTM" ? [yAll, hAll, cAll] : [yAll, hAll];
            for (int i = 0; i < n.Outputs.Count && i < results.Length; i++)
                if (n.Outputs[i].Length > 0) b.AddNode("Identity", [results[i]], [n.Outputs[i]]);
        }

        string[][] Activations(int dirs)
        {
            string[] defaults = n.OpType switch { "LSTM" => ["Sigmoid", "Tanh", "Tanh"], "GRU" => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
            var given = n.Attributes.TryGetValue("activations", out var a) ? (string[])a : null;
            if (n.Has("activation_alpha") || n.Has("activation_beta")) throw Refuse("activation_alpha/activation_beta are not supported");
            var result = new string[dirs][];
            for (int d = 0; d < dirs; d++)
            {
                result[d] = given is null ? defaults : given.Skip(d * defaults.Length).Take(defaults.Length).ToArray();
                bool ok = n.OpType == "RNN" ? result[d] is ["Tanh"] or ["Relu"] or ["Sigmoid"] : result[d].SequenceEqual(defaults);
                if (!ok || result[d].Length != defaults.Length)
                    throw Refuse($"activations [{string.Join(", ", given ?? [])}] are not supported (only {string.Join(", ", defaults)}{(n.OpType == "RNN" ? " or Relu" : "")})");
            }
            return result;
        }

        string Pick(string stacked, int d) => b.Op("Gather", [stacked, b.ScalarInt(d)], ("axis", 0L));
        string Cat(List<string> parts, long axis) => parts.Count == 1 ? parts[0] : b.Op("Concat", [.. parts], ("axis", axis));
        string Cols(string m, long from, long to) => b.Op("Slice", m, b.Ints(from), b.Ints(to), b.Ints(-1));
        string[] SplitLast(string v, long hidden, int parts) => b.Ops("Split", [v, b.Ints(Enumerable.Repeat(hidden, parts).ToArray())], parts, ("axis", -1L));

        /// <summary>One direction: returns Y [T,B,H] (in time order), the final hidden state and (LSTM) final cell state, each [B,H].</summary>
        (string Y, string H, string C) Direction(int d, bool reverse, string x, long steps, long hidden, string h, string c, string[] act)
        {
            int gates = Gates;
            var wT = b.Transpose(Pick(n.Inputs[1], d), 1, 0); // [I, G*H]
            var rT = b.Transpose(Pick(n.Inputs[2], d), 1, 0); // [H, G*H]
            string? wb = null, rb = null;
            if (n.Input(3) is { } bias)
            {
                var bd = Pick(bias, d);
                wb = b.Op("Slice", bd, b.Ints(0), b.Ints(gates * hidden));
                rb = b.Op("Slice", bd, b.Ints(gates * hidden), b.Ints(2 * gates * hidden));
            }
            // The input projection of every step at once: [T,B,G*H].
            var xw = b.MatMul(x, wT);
            if (wb is not null) xw = b.Add(xw, n.OpType == "GRU" ? wb : b.Add(wb, rb!));
            // One Split into steps (not a Gather per step): its gradient is one Concat, linear in the sequence length.
            var perStep = steps == 1 ? [xw] : b.Ops("Split", [xw, b.Ints(Enumerable.Repeat(1L, (int)steps).ToArray())], (int)steps, ("axis", 0L));
            var outputs = new string[steps];
            for (long s = 0; s < steps; s++)
            {
                long t = reverse ? steps - 1 - s : s;
                var xt = b.Squeeze(perStep[t], 0); // [B,G*H]
                switch (n.OpType)
                {
                    case "LSTM":
                    {
                        var g = SplitLast(b.Add(xt, b.MatMul(h, rT)), hidden, 4);
                        var (i, o, f, cand) = (b.Op("Sigmoid", g[0]), b.Op("Sigmoid", g[1]), b.Op("Sigmoid", g[2]), b.Op("Tanh", g[3]));
                        c = b.Add(b.Mul(f, c), b.Mul(i, cand));
                        h = b.Mul(o, b.Op("Tanh", c));
                        break;
                    }
                    case "GRU":
                    {
                        var xg = SplitLast(xt, hidden, 3);
                        string hz, hr, hh;
                        string? z, r;
                        if (n.Int("linear_before_reset", 0) != 0)
                        {
                            var hp = b.MatMul(h, rT);
                            if (rb is not null) hp = b.Add(hp, rb);
                            var hg = SplitLast(hp, hidden, 3);
                            (hz, hr) = (hg[0], hg[1]);
                            z = b.Op("Sigmoid", b.Add(xg[0], hz));
                            r = b.Op("Sigmoid", b.Add(xg[1], hr));
                            hh = b.Mul(r, hg[2]);
                        }
                        else
                        {
                            var hp = b.MatMul(h, Cols(rT, 0, 2 * hidden));
                            if (rb is not null) hp = b.Add(hp, b.Op("Slice", rb, b.Ints(0), b.Ints(2 * hidden)));
                            var hg = SplitLast(hp, hidden, 2);
                            z = b.Op("Sigmoid", b.Add(xg[0], hg[0]));
                            r = b.Op("Sigmoid", b.Add(xg[1], hg[1]));
                            hh = b.MatMul(b.Mul(r, h), Cols(rT, 2 * hidden, 3 * hidden));
                            if (rb is not null) hh = b.Add(hh, b.Op("Slice", rb, b.Ints(2 * hidden), b.Ints(3 * hidden)));
                        }
                        var cand = b.Op("Tanh", b.Add(xg[2], hh));
                        h = b.Add(cand, b.Mul(z, b.Sub(h, cand))); // (1-z)*cand + z*h
                        break;
                    }
                    default:
                        h = b.Op(act[0], b.Add(xt, b.MatMul(h, rT)));
                        break;
                }
                outputs[t] = b.Unsqueeze(h, 0);
            }
            return (steps == 1 ? outputs[0] : b.Op("Concat", outputs, ("axis", 0L)), h, c);
        }
    }
}
