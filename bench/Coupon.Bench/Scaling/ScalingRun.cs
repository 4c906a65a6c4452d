using System.Globalization;
using System.Text;
using Coupon.Testing;
using Coupon.Bench.Load;
using Coupon.Bench.Reporting;
using Coupon.Bench.Stack;
using Coupon.Bench.Steps;

namespace Coupon.Bench.Scaling;

// The issue step on a fresh stack per setup — one and two api replicas, one redis-server and a
// three-master Redis Cluster — each loaded through DCP's proxy so the setups differ only in what
// stands behind it; written to bench/SCALING.md as accepted issues/s and the ratio to the first.
public static class ScalingRun
{
    public const string Command = "scaling";
    public const string ResultsFile = "SCALING.md";

    private static readonly Setup[] Setups = [new(1, 1), new(2, 1), new(1, 3), new(2, 3)];

    public static async Task<int> RunAsync(BenchOptions options, DevelopmentTokenKeys signing, UserPool users,
        string command, string output, TextWriter log, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var measured = new List<(Setup Setup, StepResult Issue)>();
        foreach (var setup in Setups)
        {
            var setupOptions = options with { Steps = ["issue"], ApiReplicas = setup.ApiReplicas, RedisShards = setup.RedisShards, ApiThroughProxy = true };
            await using var stack = await AppHostBenchStack.StartAsync(setupOptions, signing, log, cancellationToken);
            var report = await new BenchRun(setupOptions, stack, users, log).RunAsync(cancellationToken);
            measured.Add((setup, report.Step("issue")!));
        }

        Directory.CreateDirectory(output);
        var results = Path.Combine(output, ResultsFile);
        await File.WriteAllTextAsync(results, Write(measured, startedAt, options, command), cancellationToken);
        log.WriteLine($"Wrote {results}.");
        var holds = measured.All(m => m.Issue.Invariants?.Holds ?? true);
        if (!holds)
            log.WriteLine("INVARIANTS VIOLATED: see the table.");
        return holds ? 0 : 1;
    }

    private static string Write(List<(Setup Setup, StepResult Issue)> measured, DateTimeOffset startedAt, BenchOptions options, string command)
    {
        var first = measured[0].Issue.Load.RequestsPerSecond;
        var machine = MachineInfo.Read();
        var md = new StringBuilder();
        md.AppendLine("# Coupon scaling on one machine").AppendLine();
        md.AppendLine(Invariant($"Run on {startedAt:yyyy-MM-dd HH:mm} UTC on {machine.Cores} cores ({machine.CpuModel}) with:")).AppendLine();
        md.AppendLine("```").AppendLine(command).AppendLine("```").AppendLine();
        md.AppendLine(Invariant($"The `issue` step ({options.Connections} connections, {options.Warmup.TotalSeconds:F0} s warm-up, {options.Duration.TotalSeconds:F0} s measured, every request a new user) on a fresh AppHost stack per setup, loaded through DCP's proxy in every setup. `api cores` sums the replicas, `redis cores` the shards."));
        md.AppendLine().AppendLine("| api replicas | redis shards | accepted issues/s | vs 1 api, 1 shard | p50 | p99 | api cores | api CPU per issue | redis cores | worker cores | invariants |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (setup, issue) in measured)
        {
            var load = issue.Load;
            md.AppendLine(Invariant($"| {setup.ApiReplicas} | {setup.RedisShards} | {load.RequestsPerSecond:N0} | {load.RequestsPerSecond / Math.Max(first, 1e-9):F2}× | {BenchRun.Ms(load.Latency.Percentile(50))} | {BenchRun.Ms(load.Latency.Percentile(99))} | {issue.CoresOf("api"):F2} | {issue.CpuMicrosecondsPerRequest("api"):F0} µs | {issue.CoresOf("redis"):F2} | {issue.CoresOf("worker"):F2} | {issue.Invariants?.Summary ?? "n/a"} |"));
        }
        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Setup(int ApiReplicas, int RedisShards);
}
