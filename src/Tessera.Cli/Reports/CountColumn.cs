using Spectre.Console;
using Spectre.Console.Rendering;

namespace Tessera.Cli.Reports;

/// <summary>Progress column showing "done/total" (clients done / clients selected) instead of a percentage.</summary>
internal sealed class CountColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text($"{task.Value:0}/{task.MaxValue:0} clients");
}
