using System.Numerics.Tensors;

namespace Tessera.Federation.Attacks;

/// <summary>
/// The deviation Min-Max and Min-Sum subtract γ times from the honest mean (Shejwalkar &amp; Houmansadr, NDSS 2021):
/// the unit mean (unit_vec), the per-coordinate std (std), or the mean's signs (sign).
/// </summary>
public static class PerturbationDirection
{
    public const string UnitVector = "unit_vec", Std = "std", Sign = "sign";
    public static readonly string[] Names = [UnitVector, Std, Sign];

    public static float[] Of(string name, ReadOnlySpan<float> mean, Func<float[]> std)
    {
        ArgumentNullException.ThrowIfNull(std);
        switch (name)
        {
            case UnitVector:
                var unit = mean.ToArray();
                float norm = TensorPrimitives.Norm(unit);
                if (norm > 0) TensorPrimitives.Divide(unit, norm, unit);
                return unit;
            case Std:
                return std();
            case Sign:
                var sign = new float[mean.Length];
                for (int j = 0; j < sign.Length; j++) sign[j] = MathF.Sign(mean[j]);
                return sign;
            default:
                throw new ArgumentException($"'{name}' is not one of {string.Join(", ", Names)}", nameof(name));
        }
    }
}
