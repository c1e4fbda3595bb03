namespace Tessera.Browser.Tests;

/// <summary>Browser tests run one at a time: each starts Chromium and trains, and the machine may be small.</summary>
[CollectionDefinition("browser", DisableParallelization = true)]
public sealed class BrowserCollection;
