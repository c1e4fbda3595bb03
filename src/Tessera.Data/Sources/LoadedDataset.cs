using Tessera.Data.Loading;

namespace Tessera.Data.Sources;

/// <summary>A data set read from a <see cref="DatasetSource"/>, with what is known about its meaning.</summary>
/// <param name="Path">The absolute path that was read.</param>
/// <param name="ClassNames">Text for each class index where the source has it (image folders, CSV categories).</param>
/// <param name="FeatureNames">CSV feature columns in feature-vector order.</param>
/// <param name="Vocabulary">Text sets: what each token id stands for.</param>
public sealed record LoadedDataset(
    Dataset Data,
    string Path,
    DatasetFormat Format,
    IReadOnlyList<string>? ClassNames = null,
    IReadOnlyList<string>? FeatureNames = null,
    TextVocabulary? Vocabulary = null);
