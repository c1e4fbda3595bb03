using Tessera.Data.Sources;

namespace Tessera.Data.Loading;

/// <summary>
/// A data set from a pair of unsigned-byte IDX files: samples [n, ...sampleShape] scaled to [0, 1] (as MNIST's
/// loader does) and one class label per sample [n].
/// </summary>
public static class IdxDataLoader
{
    public static Dataset Load(byte[] samples, string samplesName, byte[] labels, string labelsName)
    {
        var (dims, pixels) = IdxReader.Read(samples, samplesName);
        var (labelDims, labelBytes) = IdxReader.Read(labels, labelsName);
        if (labelDims.Length != 1)
            throw new DatasetFormatException($"{labelsName}: labels have shape {Shapes.Format(labelDims)}; one label per sample needs [n]");
        if (labelDims[0] != dims[0])
            throw new DatasetFormatException($"{samplesName} has {dims[0]} samples but {labelsName} has {labelDims[0]} labels");
        if (dims[0] == 0)
            throw new DatasetFormatException($"{samplesName}: has no samples");
        int[] sampleShape = dims.Length == 1 ? [1] : dims[1..];
        if (sampleShape.Any(d => d == 0))
            throw new DatasetFormatException($"{samplesName}: sample shape {Shapes.Format(sampleShape)} has an empty dimension");
        var features = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) features[i] = pixels[i] / 255f;
        var y = Array.ConvertAll(labelBytes, b => (long)b);
        return Dataset.ForClassification(features, sampleShape, y, (int)y.Max() + 1);
    }

    public static Dataset Load(string samplesPath, string labelsPath) =>
        Load(File.ReadAllBytes(samplesPath), samplesPath, File.ReadAllBytes(labelsPath), labelsPath);
}
