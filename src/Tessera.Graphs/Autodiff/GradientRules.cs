namespace Tessera.Graphs.Autodiff;

/// <summary>Emits the backward nodes of one forward node.</summary>
public delegate void GradientRule(GradientContext ctx, Node node);

/// <summary>The registry of gradient rules, one per ONNX op type. Each Rules/*.cs file registers a family.</summary>
public static class GradientRules
{
    static readonly Dictionary<string, GradientRule> Rules = Build();

    static Dictionary<string, GradientRule> Build()
    {
        var r = new Dictionary<string, GradientRule>();
        ElementwiseRules.Register(r);
        ActivationRules.Register(r);
        MatrixRules.Register(r);
        ShapeOpRules.Register(r);
        ReductionRules.Register(r);
        ConvPoolRules.Register(r);
        NormalizationRules.Register(r);
        return r;
    }

    public static GradientRule? For(string opType) => Rules.GetValueOrDefault(opType);

    public static IReadOnlyCollection<string> SupportedOps => Rules.Keys;

    /// <summary>Ops whose outputs carry no gradient (integer results, shape queries, comparisons).</summary>
    public static readonly IReadOnlySet<string> NonDifferentiable = new HashSet<string>
    {
        "Shape", "Size", "ArgMax", "ArgMin", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
        "Not", "And", "Or", "Constant", "ConstantOfShape", "Range", "Sign", "Floor", "Ceil", "Round", "OneHot",
        "RandomUniformLike", "RandomNormalLike",
    };
}
