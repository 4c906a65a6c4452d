using System.Text.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.ServiceDefaults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Worker.Status;

// Every few seconds, this instance's status in the `coupon:workers` hash, which the api's
// GET /api/admin/system shows; the field goes away when the instance stops, and the statuses of
// instances that died without stopping are removed once forgotten.
public sealed partial class WorkerStatusPublisher(
    IConnectionMultiplexer redis,
    WorkerMetrics metrics,
    TimeProvider time,
    IOptions<WorkerOptions> options,
    ILogger<WorkerStatusPublisher> logger) : DependencyLoop(time, logger)
{
    private readonly WorkerOptions _options = options.Value;

    protected override TimeSpan Interval => _options.StatusInterval;

    protected override async Task RoundAsync(CancellationToken stoppingToken)
    {
        var now = Time.GetUtcNow();
        var status = new WorkerStatus(_options.Instance, now, metrics.ConsumerLag,
            metrics.RowsPersisted, metrics.ReconcilerRepairs, metrics.DeadLettered);
        var database = redis.GetDatabase();
        await database.HashSetAsync(CampaignKeys.WorkersKey, _options.Instance,
            JsonSerializer.Serialize(status, JsonSerializerOptions.Web));

        var forgotten = (await database.HashGetAllAsync(CampaignKeys.WorkersKey))
            .Where(entry => Read(entry.Value) is not { } other || other.IsForgotten(now))
            .Select(entry => entry.Name)
            .ToArray();
        if (forgotten.Length > 0)
        {
            using var work = BackgroundRound.Work("forget stopped workers");
            await database.HashDeleteAsync(CampaignKeys.WorkersKey, forgotten);
        }
    }

    private static WorkerStatus? Read(RedisValue value)
    {
        try
        {
            return JsonSerializer.Deserialize<WorkerStatus>(value.ToString(), JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await redis.GetDatabase().HashDeleteAsync(CampaignKeys.WorkersKey, _options.Instance);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogNotRemoved(ex);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not remove the worker status from Redis")]
    private partial void LogNotRemoved(Exception exception);
}
