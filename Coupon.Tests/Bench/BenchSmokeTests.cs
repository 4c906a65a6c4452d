using Coupon.Testing;
using Coupon.Bench;
using Coupon.Bench.Load;
using Coupon.Bench.Reporting;
using Coupon.Bench.Steps;
using Coupon.Tests.Fixture;
using Xunit.Abstractions;

namespace Coupon.Tests.Bench;

// The benchmark of bench/ in miniature (a second or two per step, a few connections): every step
// runs, answers what it should, and leaves the invariants holding in MySQL; the report and the
// chart are written. The full run is not part of CI (see bench/README.md).
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class BenchSmokeTests(StackFixture fixture, ITestOutputHelper output)
{
    private static readonly BenchOptions Tiny = new()
    {
        Duration = TimeSpan.FromSeconds(1.5),
        Warmup = TimeSpan.FromSeconds(0.5),
        Connections = 8,
        Users = 20_000,
        PersistEvents = 2_000,
        SteadyRate = 300,
        SoldOutQuantity = 50,
        DrawEntrants = 2_000,
        DrainTimeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_short_benchmark_runs_every_step_and_the_invariants_hold()
    {
        await using var stack = new FixtureBenchStack(fixture);
        var users = UserPool.Mint(fixture.Tokens, 60_000_000, Tiny.Users, TimeSpan.FromHours(1));

        var log = new StringWriter();
        BenchReport report;
        try
        {
            report = await new BenchRun(Tiny, stack, users, log).RunAsync(CancellationToken.None);
        }
        finally
        {
            output.WriteLine(log.ToString().Replace('\r', '\n'));
        }

        Assert.Equal(new[] { "baseline", "issue", "sold-out", "mysql-lock", "redis-lock" }, report.Steps.Select(s => s.Name));
        foreach (var step in report.Steps)
        {
            Assert.True(step.Load.Requests > 0, $"{step.Name} sent no request");
            Assert.True(step.Load.Errors == 0, $"{step.Name}: {step.Load.Errors} errors, answers {string.Join(", ", step.Load.Statuses)}");
            Assert.True(step.Invariants?.Holds ?? true, $"{step.Name}: {step.Invariants?.Summary}");
            Assert.True(step.Cores.GetValueOrDefault("bench") > 0, $"{step.Name}: no CPU measured for the load generator");
        }
        Assert.Null(report.Step("baseline")!.Invariants);
        Assert.Equal(report.Step("issue")!.Load.Requests, report.Step("issue")!.Load.StatusCount(202));
        Assert.Equal(report.Step("sold-out")!.Load.Requests, report.Step("sold-out")!.Load.StatusCount(409));
        Assert.Equal(Tiny.SoldOutQuantity, report.Step("sold-out")!.Invariants!.Rows);
        Assert.True(report.Step("mysql-lock")!.Invariants!.Rows > 0);

        var persist = Assert.IsType<PersistResult>(report.Persist);
        Assert.True(persist.Invariants.Holds, persist.Invariants.Summary);
        Assert.Equal(Tiny.PersistEvents, persist.Invariants.Rows);

        var steady = Assert.IsType<AcceptToRowResult>(report.AcceptToRow);
        Assert.True(steady.Invariants.Holds, steady.Invariants.Summary);
        Assert.Equal(0, steady.NeverSeen);
        Assert.Equal(steady.Load.StatusCount(202), steady.AcceptToRow.Count);
        var draw = Assert.IsType<DrawResult>(report.Draw);
        Assert.Equal(draw.Entries.Requests, draw.Entries.StatusCount(202));
        Assert.Equal(Tiny.DrawEntrants, draw.Filling.StatusCount(202));
        foreach (var made in new[] { draw.EntriesDraw, draw.Draw })
        {
            Assert.True(made.Invariants.Holds, made.Invariants.Summary);
            Assert.NotNull(made.WorkerTime);
            Assert.True(made.WindowEndToSeed >= made.WindowEndToDrawn, $"seed public {made.WindowEndToSeed} before drawn {made.WindowEndToDrawn}");
        }
        Assert.Equal((Tiny.DrawEntrants, 1_000), (draw.Draw.Entrants, draw.Draw.Winners));
        Assert.True(report.InvariantsHold);
        Assert.True(report.ApiPeakWorkingSet > 0);

        var folder = Directory.CreateTempSubdirectory("coupon-bench-smoke-");
        try
        {
            var chart = Path.Combine(folder.FullName, BenchOutput.ChartFile);
            ResultsChart.Save(report, chart);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(chart)[..4]);
            var markdown = MarkdownReport.Write(report, "smoke", BenchOutput.ChartFile);
            Assert.Contains("## Targets (issues 5, 11 and 18)", markdown, StringComparison.Ordinal);
            Assert.Contains("## Draw", markdown, StringComparison.Ordinal);
            Assert.Equal(Targets.Evaluate(report).Count, markdown.Split('\n').Count(l => l.EndsWith("| yes |") || l.EndsWith("| **no** |")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
