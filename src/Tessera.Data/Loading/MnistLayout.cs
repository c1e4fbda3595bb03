namespace Tessera.Data.Loading;

/// <summary>Per-sample shape for MNIST images: flat vectors for MLPs or one-channel images for CNNs.</summary>
public enum MnistLayout
{
    /// <summary>[784]</summary>
    Flat,
    /// <summary>[1, 28, 28]</summary>
    Image,
}

public enum MnistSplit
{
    Train,
    Test,
}
