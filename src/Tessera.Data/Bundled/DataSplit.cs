namespace Tessera.Data.Bundled;

/// <summary>Which part of a bundled data set: the training samples or the held-out test samples.</summary>
public enum DataSplit
{
    Train,
    Test,
}
