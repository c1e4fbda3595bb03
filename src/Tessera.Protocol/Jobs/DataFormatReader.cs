namespace Tessera.Protocol.Jobs;

/// <summary>Reads `data.format:`, how the user's own files are read.</summary>
internal static class DataFormatReader
{
    public static readonly string[] Kinds = ["csv", "images", "npy", "npz", "safetensors", "idx", "text"];

    public static DataFormatSpec Read(SpecReader f)
    {
        var spec = new DataFormatSpec
        {
            Kind = f.String("kind", null, Kinds),
            Label = f.String("label"),
            Features = f.String("features"),
            Columns = f.Strings("columns"),
            LabelKind = f.String("label_kind", null, "class", "float"),
            ImageSize = f.Doubles("image_size", 0, exclusiveMin: true).Select(d => d == Math.Floor(d) && d <= 4096 ? (int)d
                : throw new JobSpecException("data.format.image_size", $"{d} is not a whole number of pixels up to 4096")).ToList(),
            Channels = f.Int("channels", null, 1, 4),
            Mean = f.Doubles("mean"),
            Std = f.Doubles("std", 0, exclusiveMin: true),
            Tokens = f.String("tokens", null, "char", "byte"),
        };
        f.RejectUnknown();
        if (spec.ImageSize.Count is not (0 or 2))
            throw new JobSpecException("data.format.image_size", "must be [height, width]");
        if (spec.Mean.Count != spec.Std.Count)
            throw new JobSpecException("data.format.std", $"gives {spec.Std.Count} values for {spec.Mean.Count} means");
        return spec;
    }
}
