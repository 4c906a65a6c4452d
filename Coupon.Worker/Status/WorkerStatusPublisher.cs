using System.Text.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Worker.Status;

// Every few seconds, this instance's status in the `coupon:workers` hash, which the api's
// GET /api/admin/system shows; the field goes away when the instance stops.
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
        var status = new WorkerStatus(_options.Instance, Time.GetUtcNow(), metrics.ConsumerLag,
            metrics.RowsPersisted, metrics.ReconcilerRepairs, metrics.DeadLettered);
        await redis.GetDatabase().HashSetAsync(CampaignKeys.WorkersKey, _options.Instance,
            JsonSerializer.Serialize(status, JsonSerializerOptions.Web));
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
