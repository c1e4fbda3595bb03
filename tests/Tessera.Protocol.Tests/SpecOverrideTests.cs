using Tessera.Protocol.Jobs;

namespace Tessera.Protocol.Tests;

/// <summary>`--set field=value` changes a spec before validation, with the same errors a spec file gets.</summary>
public class SpecOverrideTests
{
    const string Yaml = """
        name: base
        model: 2nn
        strategy: { name: fedprox, mu: 0.01 }
        local: { epochs: 5, batch_size: 10, lr: 0.05 }
        rounds: 20
        seed: 1
        """;

    static JobSpec With(params string[] sets) => JobSpecParser.Parse(Yaml, sets.Select(SpecOverride.Parse).ToList());

    [Fact]
    public void Overrides_change_nested_and_top_level_fields_and_leave_the_rest()
    {
        var spec = With("local.lr=0.02", "seed=7", "strategy.mu=0.1");
        Assert.Equal(0.02, spec.Local.LearningRate);
        Assert.Equal(7UL, spec.Seed);
        Assert.Equal(0.1, spec.Strategy.Mu);
        Assert.Equal(5, spec.Local.Epochs);
        Assert.Equal(20, spec.Rounds);
        Assert.Equal("fedprox", spec.Strategy.Name);
    }

    [Fact]
    public void An_override_can_create_a_missing_section_and_take_a_yaml_list()
    {
        var spec = With("data.partition=dirichlet", "data.alpha=0.3", "requirements.runtimes=[dotnet, browser]", "local.batch_size=full");
        Assert.Equal("dirichlet", spec.Data.Partition);
        Assert.Equal(0.3, spec.Data.Alpha);
        Assert.Equal(["dotnet", "browser"], spec.Requirements.Runtimes);
        Assert.Equal(0, spec.Local.BatchSize);
    }

    [Fact]
    public void An_empty_value_removes_the_field_so_its_default_applies()
    {
        Assert.Equal(1, With("local.epochs=").Local.Epochs);   // default 1, the file says 5
    }

    [Fact]
    public void The_last_of_two_overrides_of_one_field_wins()
    {
        Assert.Equal(0.3, With("local.lr=0.2", "local.lr=0.3").Local.LearningRate);
    }

    [Theory]
    [InlineData("local.lrate=0.1", "local.lrate", "unknown field")]
    [InlineData("local.lr=-1", "local.lr", "out of range")]
    [InlineData("local.lr=fast", "local.lr", "not a number")]
    [InlineData("seed=1.5", "seed", "whole number")]
    [InlineData("rounds.max=3", "rounds", "single value")]
    [InlineData("strategy.name=fedfoo", "strategy.name", "not one of")]
    [InlineData("local.lr=[1, 2", "local.lr", "invalid YAML")]
    public void A_bad_override_is_rejected_naming_the_field(string set, string field, string message)
    {
        var e = Assert.Throws<JobSpecException>(() => With(set));
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("local.lr")]
    [InlineData("=0.1")]
    [InlineData("local..lr=0.1")]
    public void Text_that_is_not_field_equals_value_is_a_format_error(string text)
    {
        Assert.Throws<FormatException>(() => SpecOverride.Parse(text));
    }

    [Fact]
    public void Overrides_apply_to_json_specs_too()
    {
        var spec = JobSpecParser.Parse("""{ "name": "j", "local": { "lr": 0.1 } }""", [SpecOverride.Parse("local.lr=0.5")]);
        Assert.Equal(0.5, spec.Local.LearningRate);
    }

    [Fact]
    public void The_label_is_safe_for_a_folder_name()
    {
        Assert.Equal("local.lr-0.02", SpecOverride.Parse("local.lr=0.02").Label);
        Assert.Equal("requirements.runtimes--dotnet--browser-", SpecOverride.Parse("requirements.runtimes=[dotnet, browser]").Label);
    }
}
