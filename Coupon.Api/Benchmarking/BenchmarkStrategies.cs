using Coupon.Api.Benchmarking;

// In the api's root namespace, beside Extensions, so that Program.cs enables it with one line.
namespace Coupon.Api;

// The origin project's slower issue strategies, kept only to measure ours against them on the same
// machine (bench/). They replace the issue route only when `Coupon:Benchmark:IssueStrategy` names
// one; a normal run never configures it, so they are not reachable there.
public static class BenchmarkStrategies
{
    public const string StrategyKey = "Coupon:Benchmark:IssueStrategy";

    public static TBuilder AddBenchmarkStrategies<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var strategy = builder.Configuration[StrategyKey];
        switch (strategy)
        {
            case null or "":
                return builder;
            case MySqlLockIssue.Name:
                builder.Services.AddScoped<IComparisonIssue, MySqlLockIssue>();
                break;
            case RedisLockIssue.Name:
                builder.Services.AddScoped<IComparisonIssue, RedisLockIssue>();
                break;
            default:
                throw new InvalidOperationException(
                    $"{StrategyKey} is '{strategy}'; the benchmark strategies are '{MySqlLockIssue.Name}' and '{RedisLockIssue.Name}'.");
        }
        builder.Services.AddSingleton<IStartupFilter, ComparisonIssueRoute>();
        return builder;
    }
}
