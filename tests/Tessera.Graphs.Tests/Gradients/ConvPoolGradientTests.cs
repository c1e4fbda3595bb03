using static Tessera.Graphs.Tests.Gradients.GradValues;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of the rules in ConvPoolRules: the strided and padded geometries are where they break.</summary>
public class ConvPoolGradientTests
{
    static readonly Dictionary<string, Action> Cases = new()
    {
        ["Conv 3x3 stride 1 same padding, bias"] = () => Conv([2, 2, 5, 5], 3, 3, stride: 1, pad: 1, bias: true),
        ["Conv 3x3 stride 2 pad 1, bias"] = () => Conv([1, 2, 6, 6], 3, 3, stride: 2, pad: 1, bias: true),
        ["Conv 3x3 stride 2 pad 0 on 7x7"] = () => Conv([1, 2, 7, 7], 2, 3, stride: 2, pad: 0, bias: false),
        ["Conv 3x3 stride 2 pad 0 on 8x8 (output_padding 1)"] = () => Conv([1, 2, 8, 8], 2, 3, stride: 2, pad: 0, bias: true),
        ["Conv 1x1, no bias"] = () => Conv([2, 3, 4, 4], 2, 1, stride: 1, pad: 0, bias: false),
        ["Conv 2x2 dilation 2"] = () => Conv([1, 2, 6, 6], 2, 2, stride: 1, pad: 0, bias: true, dilation: 2),
        ["Conv stride 2 dilation 2"] = () => Conv([1, 2, 9, 9], 2, 3, stride: 2, pad: 1, bias: true, dilation: 2),
        ["Conv asymmetric pads"] = () =>
        {
            var c = new GradientCheck("Conv asymmetric pads");
            var x = c.Input("x", [1, 2, 5, 6]); var w = c.Input("w", [2, 2, 3, 2]);
            c.Check(c.B.Op("Conv", [x, w], ("pads", new long[] { 0, 1, 2, 0 }), ("strides", new long[] { 2, 1 })));
        },
        ["Conv auto_pad SAME_UPPER stride 2"] = () =>
        {
            var c = new GradientCheck("Conv SAME_UPPER");
            var x = c.Input("x", [1, 2, 6, 6]); var w = c.Input("w", [2, 2, 3, 3]);
            c.Check(c.B.Op("Conv", [x, w], ("auto_pad", "SAME_UPPER"), ("strides", new long[] { 2, 2 })));
        },
        ["Conv 1-D"] = () =>
        {
            var c = new GradientCheck("Conv1d");
            var x = c.Input("x", [2, 2, 7]); var w = c.Input("w", [3, 2, 3]); var b = c.Input("b", [3]);
            c.Check(c.B.Op("Conv", [x, w, b], ("strides", new long[] { 2 }), ("pads", new long[] { 1, 0 })));
        },
        ["Conv group 2, stride 2 pad 1, bias"] = () =>
        {
            var c = new GradientCheck("Conv group 2");
            var x = c.Input("x", [2, 4, 5, 5]); var w = c.Input("w", [6, 2, 3, 3]); var b = c.Input("b", [6]);
            c.Check(c.B.Op("Conv", [x, w, b], ("group", 2L), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 })));
        },
        ["Conv depthwise 3x5 asymmetric pads"] = () =>
        {
            var c = new GradientCheck("Conv depthwise");
            var x = c.Input("x", [2, 3, 5, 6]); var w = c.Input("w", [3, 1, 3, 5]);
            c.Check(c.B.Op("Conv", [x, w], ("group", 3L), ("pads", new long[] { 1, 2, 0, 1 })));
        },
        ["Conv depthwise multiplier 2, 3x3 stride 2 on 8x8 (weight gradient sliced)"] = () =>
        {
            var c = new GradientCheck("Conv depthwise x2");
            var x = c.Input("x", [1, 2, 8, 8]); var w = c.Input("w", [4, 1, 3, 3]);
            c.Check(c.B.Op("Conv", [x, w], ("group", 2L), ("strides", new long[] { 2, 2 })));
        },
        ["Conv group 2, dilation 2"] = () =>
        {
            var c = new GradientCheck("Conv group 2 dilation 2");
            var x = c.Input("x", [2, 4, 7, 7]); var w = c.Input("w", [2, 2, 2, 2]);
            c.Check(c.B.Op("Conv", [x, w], ("group", 2L), ("dilations", new long[] { 2, 2 })));
        },
        ["Conv 1-D group 2"] = () =>
        {
            var c = new GradientCheck("Conv1d group 2");
            var x = c.Input("x", [2, 4, 7]); var w = c.Input("w", [2, 2, 3]);
            c.Check(c.B.Op("Conv", [x, w], ("group", 2L), ("strides", new long[] { 2 }), ("pads", new long[] { 1, 0 })));
        },
        ["MaxPool 2x2 stride 2"] = () => Pool("MaxPool", [1, 2, 4, 4], 2, 2, 0),
        ["MaxPool 3x3 stride 2 pad 1"] = () => Pool("MaxPool", [2, 2, 5, 5], 3, 2, 1),
        ["MaxPool 2x2 stride 2 ceil_mode"] = () => Pool("MaxPool", [1, 2, 5, 5], 2, 2, 0, ("ceil_mode", 1L)),
        ["MaxPool 3x3 stride 3 pad 1 (non-overlapping, padded)"] = () => Pool("MaxPool", [2, 2, 7, 7], 3, 3, 1),
        ["MaxPool 2x2 stride 2 1-D"] = () =>
        {
            var c = new GradientCheck("MaxPool 1-D");
            c.Check(c.B.Op("MaxPool", [c.Input("x", [2, 3, 8], Distinct([2, 3, 8], 13, 0.03f))], ("kernel_shape", new long[] { 2 }), ("strides", new long[] { 2 })));
        },
        ["AveragePool 1-D k3 s2 p1"] = () =>
        {
            var c = new GradientCheck("AveragePool 1-D");
            c.Check(c.B.Op("AveragePool", [c.Input("x", [2, 2, 7])], ("kernel_shape", new long[] { 3 }),
                ("strides", new long[] { 2 }), ("pads", new long[] { 1, 1 })));
        },
        ["AveragePool 2x2 stride 2 on 5x5"] = () => Pool("AveragePool", [1, 2, 5, 5], 2, 2, 0),
        ["AveragePool 3x3 stride 1 pad 1, count_include_pad 0"] = () => Pool("AveragePool", [1, 2, 4, 4], 3, 1, 1, ("count_include_pad", 0L)),
        ["AveragePool 3x3 stride 1 pad 1, count_include_pad 1"] = () => Pool("AveragePool", [1, 2, 4, 4], 3, 1, 1, ("count_include_pad", 1L)),
        ["AveragePool 3x3 stride 2 pad 1, count_include_pad 0"] = () => Pool("AveragePool", [1, 1, 6, 6], 3, 2, 1, ("count_include_pad", 0L)),
        ["GlobalAveragePool"] = () =>
        {
            var c = new GradientCheck("GlobalAveragePool");
            c.Check(c.B.Op("GlobalAveragePool", c.Input("x", [2, 3, 3, 4])));
        },
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public void Gradient_matches_finite_differences(string name) => Cases[name]();

    static void Conv(long[] x, long outChannels, long k, long stride, long pad, bool bias, long dilation = 1)
    {
        var c = new GradientCheck($"Conv x{Shapes.Format(x)} k{k} s{stride} p{pad} d{dilation} bias={bias}");
        var xi = c.Input("x", x);
        var w = c.Input("w", [outChannels, x[1], k, k]);
        string[] inputs = bias ? [xi, w, c.Input("b", [outChannels])] : [xi, w];
        c.Check(c.B.Op("Conv", inputs, ("kernel_shape", new long[] { k, k }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { pad, pad, pad, pad }), ("dilations", new long[] { dilation, dilation })));
    }

    static void Pool(string op, long[] x, long k, long stride, long pad, params (string, object)[] extra)
    {
        var c = new GradientCheck($"{op} x{Shapes.Format(x)} k{k} s{stride} p{pad}");
        // Distinct values keep each window's winner fixed under perturbation (MaxPool); harmless for averages.
        var xi = c.Input("x", x, Distinct(x, 13, 0.03f));
        (string, object)[] attributes =
        [
            ("kernel_shape", new long[] { k, k }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { pad, pad, pad, pad }), .. extra,
        ];
        c.Check(c.B.Op(op, [xi], attributes));
    }
}
