namespace Tessera.Data.Loading;

/// <summary>A data set loaded from CSV, with the names needed to interpret it.</summary>
/// <param name="FeatureNames">Feature columns in order of the feature vector.</param>
/// <param name="ClassNames">Label text for each class index; null for regression.</param>
public sealed record CsvData(Dataset Dataset, IReadOnlyList<string> FeatureNames, IReadOnlyList<string>? ClassNames);
