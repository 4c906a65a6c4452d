namespace Coupon.Bench.LockStrategies;

// The origin project's slower issue strategies, kept only to measure ours against them on the same
// machine. `LockStrategies:Strategy` names the one this server runs.
public static class LockStrategies
{
    public const string StrategyKey = "LockStrategies:Strategy";

    public static void AddLockStrategy(this IHostApplicationBuilder builder)
    {
        var strategy = builder.Configuration[StrategyKey];
        switch (strategy)
        {
            case MySqlLockIssue.Name:
                builder.Services.AddScoped<IComparisonIssue, MySqlLockIssue>();
                break;
            case RedisLockIssue.Name:
                builder.Services.AddScoped<IComparisonIssue, RedisLockIssue>();
                break;
            default:
                throw new InvalidOperationException(
                    $"{StrategyKey} is '{strategy}'; the strategies are '{MySqlLockIssue.Name}' and '{RedisLockIssue.Name}'.");
        }
    }
}
