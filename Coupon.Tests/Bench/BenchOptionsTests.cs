using Coupon.Bench;

namespace Coupon.Tests.Bench;

// The bench's command line: what a run measures must be what was asked for, or nothing runs.
public sealed class BenchOptionsTests
{
    [Fact]
    public void Api_env_hands_each_variable_to_the_api_and_the_last_of_a_name_wins()
    {
        var options = BenchOptions.Parse(["--api-env", "DOTNET_TieredPGO=1", "--api-env", "Issuing__Note=a=b", "--api-env", "DOTNET_TieredPGO=0"]);

        Assert.Equal(new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0", ["Issuing__Note"] = "a=b" }, options.ApiEnvironment);
        Assert.Empty(BenchOptions.Parse([]).ApiEnvironment);
    }

    [Theory]
    [InlineData("DOTNET_TieredPGO")]
    [InlineData("=0")]
    public void Api_env_without_a_name_and_a_value_is_refused(string assignment)
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--api-env", assignment]));
        Assert.Contains("name=value", error.Message, StringComparison.Ordinal);
    }

    // As deployed unless asked otherwise: the exporter on.
    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--telemetry", "on" }, true)]
    [InlineData(new[] { "--telemetry", "off" }, false)]
    public void Telemetry_is_on_unless_turned_off(string[] args, bool on) =>
        Assert.Equal(on, BenchOptions.Parse(args).Telemetry);

    [Fact]
    public void Telemetry_other_than_on_or_off_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--telemetry", "sampled"]));
        Assert.Contains("on or off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_draw_runs_by_default_and_alone_when_asked()
    {
        Assert.True(BenchOptions.Parse([]).Runs("draw"));
        var alone = BenchOptions.Parse(["--steps", "draw", "--draw-entrants", "5000"]);
        Assert.Equal(["draw"], alone.Steps);
        Assert.Equal(5_000, alone.DrawEntrants);
        Assert.Equal(100_000, BenchOptions.Parse([]).DrawEntrants);
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--steps", "draws"]));
    }
}
