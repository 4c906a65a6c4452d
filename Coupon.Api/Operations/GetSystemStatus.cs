using System.Text.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Coupon.Api.Operations;

// GET /api/admin/system: the api's dependency checks, with their descriptions (operators only),
// and what each running worker last wrote to Redis.
public static class GetSystemStatus
{
    private static readonly JsonSerializerOptions WorkerJson = new(JsonSerializerDefaults.Web);

    // Health checks by the resource they check: Aspire.StackExchange.Redis names its check after
    // the client library.
    private static readonly Dictionary<string, string> ResourceNames = new(StringComparer.Ordinal)
    {
        ["StackExchange.Redis"] = "redis",
    };

    public static async Task<Ok<SystemStatus>> Handle(
        HealthReportCache health, IConnectionMultiplexer redis, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var report = await health.GetAsync(cancellationToken);
        var dependencies = report.Entries.ToDictionary(
            e => ResourceNames.GetValueOrDefault(e.Key, e.Key),
            e => new DependencyHealth(e.Value.Status.ToString(), e.Value.Description, e.Value.Duration.TotalMilliseconds));

        List<WorkerStatus> workers = [];
        if (dependencies.GetValueOrDefault("redis")?.Status != nameof(HealthStatus.Unhealthy))
        {
            try
            {
                var entries = await redis.GetDatabase().HashGetAllAsync(CampaignKeys.WorkersKey);
                var now = time.GetUtcNow();
                workers = [.. entries.Select(e => JsonSerializer.Deserialize<WorkerStatus>(e.Value.ToString(), WorkerJson)!)
                    .Where(w => !w.IsForgotten(now))
                    .OrderBy(w => w.Instance, StringComparer.Ordinal)];
            }
            catch (Exception e) when (e is RedisException or JsonException)
            {
                loggers.CreateLogger(typeof(GetSystemStatus)).LogWarning(e, "Reading the worker statuses failed");
            }
        }

        return TypedResults.Ok(new SystemStatus(report.Status.ToString(), dependencies, workers));
    }
}
