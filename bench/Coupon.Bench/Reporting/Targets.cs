using Coupon.Bench.Steps;

namespace Coupon.Bench.Reporting;

// Issue 5's targets, each compared with what this run measured. Met is null when the steps it
// needs did not run.
public sealed record TargetCheck(string Target, string Measured, bool? Met);

public static class Targets
{
    public const double IssueShareOfBaseline = 0.70;
    public const long IssueP99Microseconds = 10_000;
    public const double SoldOutShareOfBaseline = 0.90;
    public const double LuaOverRedisLock = 10;
    public const double WorkerRowsPerSecond = 20_000;
    public const long AcceptToRowP99Microseconds = 1_000_000;
    public const long ApiWorkingSetBytes = 300L * 1024 * 1024;

    public static IReadOnlyList<TargetCheck> Evaluate(BenchReport report)
    {
        var issue = report.Step("issue");
        var soldOut = report.Step("sold-out");
        var redisLock = report.Step("redis-lock");
        var checks = new List<TargetCheck>();

        checks.Add(ShareOfBaseline(report, issue, "issue path >= 70% of baseline req/s", IssueShareOfBaseline));
        checks.Add(new("issue path p99 <= 10 ms",
            issue is null ? "not run" : BenchRun.Ms(issue.Load.Latency.Percentile(99)),
            issue is null ? null : issue.Load.Latency.Percentile(99) <= IssueP99Microseconds));

        checks.Add(ShareOfBaseline(report, soldOut, "sold-out path >= 90% of baseline req/s", SoldOutShareOfBaseline));

        double? overLock = issue is not null && redisLock is { Load.RequestsPerSecond: > 0 }
            ? issue.Load.RequestsPerSecond / redisLock.Load.RequestsPerSecond
            : null;
        checks.Add(new("Lua + Kafka >= 10x Redis-lock req/s",
            overLock is { } r3 ? $"{r3:F1}x" : "not run", overLock is null ? null : overLock >= LuaOverRedisLock));

        checks.Add(new("worker >= 20,000 rows/s into MariaDB",
            report.Persist is { } persist ? $"{persist.RowsPerSecond:N0} rows/s" : "not run",
            report.Persist is null ? null : report.Persist.RowsPerSecond >= WorkerRowsPerSecond));

        checks.Add(AcceptToRow(report.AcceptToRow));

        checks.Add(new("api working set < 300 MB",
            $"{report.ApiPeakWorkingSet / 1024.0 / 1024.0:F0} MB peak", report.ApiPeakWorkingSet < ApiWorkingSetBytes));
        return checks;
    }

    // Judged on the stricter of the two baselines (the bench's generator, wrk) when both exist.
    private static TargetCheck ShareOfBaseline(BenchReport report, StepResult? step, string target, double share)
    {
        if (step is null || report.RatioToBaseline(step) is not { } ratio)
            return new(target, "not run", null);
        if (report.RatioToWrkBaseline(step) is not { } wrkRatio)
            return new(target, $"{ratio:P0}", ratio >= share);
        return new(target, $"{ratio:P0} of the baseline, {wrkRatio:P0} of wrk's baseline", Math.Min(ratio, wrkRatio) >= share);
    }

    private static TargetCheck AcceptToRow(AcceptToRowResult? result)
    {
        if (result is null)
            return new("accept-to-row p99 < 1 s at 10,000 req/s", "not run", null);
        var p99 = result.AcceptToRow.Percentile(99);
        var rate = result.Load.RequestsPerSecond;
        // The latency target is only met at the rate it names; a slower run says so.
        var atRate = rate >= result.TargetRate * 0.95;
        var measured = $"p99 {BenchRun.Ms(p99)} at {rate:N0} req/s" + (atRate ? "" : $" (target rate {result.TargetRate:N0} not reached)");
        return new($"accept-to-row p99 < 1 s at {result.TargetRate:N0} req/s", measured,
            p99 < AcceptToRowP99Microseconds && atRate && result.NeverSeen == 0);
    }
}
