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
    ILogger<WorkerStatusPublisher> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.StatusInterval, time);
        do
        {
            try
            {
                var status = new WorkerStatus(_options.Instance, time.GetUtcNow(), metrics.ConsumerLag,
                    metrics.RowsPersisted, metrics.ReconcilerRepairs, metrics.DeadLettered);
                await redis.GetDatabase().HashSetAsync(CampaignKeys.WorkersKey, _options.Instance,
                    JsonSerializer.Serialize(status, JsonSerializerOptions.Web));
            }
            catch (RedisException ex)
            {
                LogNotPublished(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await redis.GetDatabase().HashDeleteAsync(CampaignKeys.WorkersKey, _options.Instance);
        }
        catch (RedisException ex)
        {
            LogNotPublished(ex);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not write the worker status to Redis")]
    private partial void LogNotPublished(Exception exception);
}
