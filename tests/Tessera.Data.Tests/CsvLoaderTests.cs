using Tessera.Data.Loading;

namespace Tessera.Data.Tests;

public class CsvLoaderTests
{
    private static CsvData Load(string text, string label = "label", CsvLabelKind kind = CsvLabelKind.Auto) =>
        CsvLoader.Load(new StringReader(text), label, kind);

    [Fact]
    public void IntegerLabelsAreClassIndices()
    {
        var csv = Load("a,label,b\n1.5,2,3\n-4,0,5e1\n\n6,1,7\n");
        var d = csv.Dataset;
        Assert.Equal(["a", "b"], csv.FeatureNames);
        Assert.Equal([1.5f, 3, -4, 50, 6, 7], d.Features);
        Assert.Equal([2L, 0, 1], d.Labels!);
        Assert.Equal(3, d.ClassCount);
    }

    [Fact]
    public void StringLabelsMapToSortedCategoriesWhateverTheRowOrder()
    {
        var first = Load("x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n", "species");
        var second = Load("x,species\n3,versicolor\n1,virginica\n", "species");
        Assert.Equal(["setosa", "versicolor", "virginica"], first.ClassNames);
        Assert.Equal([2L, 0, 1, 0], first.Dataset.Labels!);
        Assert.Equal(["versicolor", "virginica"], second.ClassNames);
    }

    [Fact]
    public void CategoryKindTreatsNumbersAsNames()
    {
        var csv = Load("x,label\n1,10\n2,9\n", kind: CsvLabelKind.Category);
        Assert.Equal(["10", "9"], csv.ClassNames); // ordinal, not numeric, order
        Assert.Equal([0L, 1], csv.Dataset.Labels!);
    }

    [Fact]
    public void RegressionKindGivesFloatTargets()
    {
        var csv = Load("x,y\n1,0.5\n2,-1.25\n", "y", CsvLabelKind.Regression);
        Assert.Null(csv.Dataset.Labels);
        Assert.Equal([0.5f, -1.25f], csv.Dataset.Targets!);
    }

    [Fact]
    public void QuotedFieldsMayHoldDelimitersAndQuotes()
    {
        var csv = Load("\"x\",label\n\"1.5\",\"a, \"\"b\"\"\"\n2,c\n");
        Assert.Equal(["a, \"b\"", "c"], csv.ClassNames);
        Assert.Equal([1.5f, 2f], csv.Dataset.Features);
    }

    [Fact]
    public void NonNumericFeatureErrorNamesRowAndColumn()
    {
        var ex = Assert.Throws<CsvFormatException>(() => Load("a,b,label\n1,2,0\n3,oops,1\n"));
        Assert.Contains("row 3", ex.Message);
        Assert.Contains("'b'", ex.Message);
        Assert.Contains("oops", ex.Message);
    }

    [Fact]
    public void OtherMalformedInputsAreRejected()
    {
        Assert.Contains("'label'", Assert.Throws<CsvFormatException>(() => Load("a,b\n1,2\n")).Message);
        Assert.Contains("row 2", Assert.Throws<CsvFormatException>(() => Load("a,label\n1,2,3\n")).Message);
        Assert.Contains("row 3, column 'label'", Assert.Throws<CsvFormatException>(() => Load("a,label\n1,2\n1,x\n", kind: CsvLabelKind.Integer)).Message);
        Assert.Contains("empty", Assert.Throws<CsvFormatException>(() => Load("")).Message);
        Assert.Contains("unterminated", Assert.Throws<CsvFormatException>(() => Load("a,label\n\"1,2\n")).Message);
    }

    [Fact]
    public void LoadsFromFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "f;label\n0.25;1\n");
            var csv = CsvLoader.Load(path, "label", delimiter: ';');
            Assert.Equal([0.25f], csv.Dataset.Features);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ClassIndexTooLargeForACountIsAFormatError()
    {
        var ex = Assert.Throws<CsvFormatException>(() => CsvLoader.Load(new StringReader("x,label\n1,2147483647\n"), "label", CsvLabelKind.Integer));
        Assert.Contains("not a non-negative integer class", ex.Message);
    }
}
