using System.Text;
using Confluent.Kafka;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Worker.Reconciling;

// Winners Redis accepted whose row never reached MySQL (the api died between the Lua script and
// the Kafka ack, an event lost with the in-memory cluster) are published again once they are
// older than the grace period; the idempotent insert makes a needless repair harmless.
public sealed partial class WinnerReconciler(
    IServiceScopeFactory scopes,
    IConnectionMultiplexer redis,
    IProducer<byte[], byte[]> producer,
    Persisting.MigrationGate migrations,
    WorkerMetrics metrics,
    TimeProvider time,
    IOptions<WorkerOptions> options,
    ILogger<WinnerReconciler> logger) : DependencyLoop(time, logger)
{
    private const int PageSize = 1000;

    private readonly WorkerOptions _options = options.Value;

    protected override TimeSpan Interval => _options.ReconcileInterval;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarted(_options.ReconcileInterval, _options.ReconcileGrace);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        await migrations.WaitAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var now = Time.GetUtcNow();
        var since = (now - _options.ReconcileLookback).UtcDateTime;
        var campaigns = await db.Campaigns.AsNoTracking()
            .Where(c => c.IssueEnd > since)
            .Select(c => new { c.Id, c.IssuedQuantity })
            .ToListAsync(cancellationToken);

        var database = redis.GetDatabase();
        var cutoff = (now - _options.ReconcileGrace).ToUnixTimeMilliseconds();
        foreach (var campaign in campaigns)
        {
            // Rows are a subset of the winners: as many rows as winners means nothing is missing.
            var winners = new CampaignKeys(campaign.Id).Winners;
            if (await database.HashLengthAsync(winners) <= campaign.IssuedQuantity)
                continue;
            await foreach (var page in database.HashScanAsync(winners, pageSize: PageSize).Chunk(PageSize).WithCancellation(cancellationToken))
            {
                var due = page.Where(w => (long)w.Value <= cutoff).ToDictionary(w => (long)w.Name, w => (long)w.Value);
                if (due.Count > 0)
                    await RepairAsync(db, campaign.Id, due, cancellationToken);
            }
        }
    }

    private async Task RepairAsync(CouponDbContext db, long couponId, Dictionary<long, long> due, CancellationToken cancellationToken)
    {
        var users = due.Keys.ToList();
        var persisted = await db.Issues.AsNoTracking()
            .Where(i => i.CouponId == couponId && users.Contains(i.UserId))
            .Select(i => i.UserId)
            .ToListAsync(cancellationToken);
        foreach (var userId in users.Except(persisted))
        {
            var issued = new CouponIssuedEvent(couponId, userId, DateTimeOffset.FromUnixTimeMilliseconds(due[userId]));
            await producer.ProduceAsync(CouponTopics.Issued, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(issued.Key),
                Value = issued.ToJson(),
                Headers = TraceHeaders.From(System.Diagnostics.Activity.Current),
            }, cancellationToken);
            metrics.WinnerRepublished();
            LogRepublished(couponId, userId, issued.AcceptedAt);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Re-published the issue of campaign {CouponId} to user {UserId} accepted at {AcceptedAt:O}: no row in MySQL after the grace period")]
    private partial void LogRepublished(long couponId, long userId, DateTimeOffset acceptedAt);

    [LoggerMessage(LogLevel.Information, "Reconciling every {Interval}, winners older than {Grace} without a row are re-published")]
    private partial void LogStarted(TimeSpan interval, TimeSpan grace);
}
