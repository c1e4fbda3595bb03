using Tessera.Data.Bundled;

namespace Tessera.Data.Tests.Bundled;

public class SeededSplitTests
{
    [Fact]
    public void TrainAndTestPartitionTheItemsEightyTwenty()
    {
        var train = SeededSplit.Indices(150, DataSplit.Train);
        var test = SeededSplit.Indices(150, DataSplit.Test);
        Assert.Equal(120, train.Length);
        Assert.Equal(30, test.Length);
        Assert.Equal(Enumerable.Range(0, 150), train.Concat(test).Order());
        Assert.Equal(train, SeededSplit.Indices(150, DataSplit.Train));
        Assert.NotEqual(Enumerable.Range(0, 120), train);
    }

    [Fact]
    public void HamBodiesDropHeadersAndKeepPrintableAscii()
    {
        var body = SpamAssassinHamPackage.Body("From: a\nSubject: b\n\nHi\tthere\r\n\u00e9ok\n"u8.ToArray());
        Assert.Equal("Hi there\nok\n", System.Text.Encoding.ASCII.GetString(body));
    }
}
