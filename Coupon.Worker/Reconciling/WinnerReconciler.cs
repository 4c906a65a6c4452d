using Confluent.Kafka;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using Coupon.ServiceDefaults;
using Coupon.ServiceDefaults.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Worker.Reconciling;

// Winners Redis accepted whose row never reached MySQL (the api died between the Lua script and
// the Kafka ack, an event lost with the in-memory cluster) are published again once they are
// older than the grace period; the idempotent insert makes a needless repair harmless. Before
// that, a winner the api withdrew while Redis was unreachable (recorded in MySQL) is removed
// instead, and a re-published winner is claimed in Redis, so the api's undo keeps it (its row is
// coming) and it is not re-published every round while the worker catches up. One worker
// instance reconciles at a time.
public sealed partial class WinnerReconciler(
    IServiceScopeFactory scopes,
    IConnectionMultiplexer redis,
    CampaignRedisState state,
    RenewingKafkaProducer<byte[], byte[]> producer,
    Persisting.MigrationGate migrations,
    WorkerMetrics metrics,
    TimeProvider time,
    IOptions<WorkerOptions> options,
    ILogger<WinnerReconciler> logger) : DependencyLoop(time, logger)
{
    private const int PageSize = 1000;
    private static readonly RedisKey LockKey = "coupon:reconciler";

    private readonly WorkerOptions _options = options.Value;

    protected override TimeSpan Interval => _options.ReconcileInterval;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarted(_options.ReconcileInterval, _options.ReconcileGrace);
        return base.StartAsync(cancellationToken);
    }

    // Another instance takes over at its next round instead of when the lock expires.
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await redis.GetDatabase().LockReleaseAsync(LockKey, _options.Instance);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Then it expires.
        }
    }

    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        await migrations.WaitAsync(cancellationToken);
        var database = redis.GetDatabase();
        // Held across rounds by the instance that has it, and free once that instance is gone.
        var lockTime = _options.ReconcileInterval * 3;
        if (!await database.LockExtendAsync(LockKey, _options.Instance, lockTime) && !await database.LockTakeAsync(LockKey, _options.Instance, lockTime))
            return;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var now = Time.GetUtcNow();
        var since = (now - _options.ReconcileLookback).UtcDateTime;
        var campaigns = await db.Campaigns.AsNoTracking()
            .Where(c => c.IssueEnd > since)
            .Select(c => new { c.Id, c.IssuedQuantity })
            .ToListAsync(cancellationToken);
        await db.Withdrawals.Where(w => w.RecordedAt < since).ExecuteDeleteAsync(cancellationToken);

        var cutoff = (now - _options.ReconcileGrace).ToUnixTimeMilliseconds();
        foreach (var campaign in campaigns)
        {
            try
            {
                await ReconcileAsync(database, db, campaign.Id, campaign.IssuedQuantity, cutoff, cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // One shard of a Redis Cluster down: the campaigns on the others are reconciled still.
                LogUnreachable(e, campaign.Id);
            }
        }
    }

    private async Task ReconcileAsync(IDatabase database, CouponDbContext db, long campaignId, int rows, long cutoff, CancellationToken cancellationToken)
    {
        // Rows are a subset of the winners: as many rows as winners means nothing is missing.
        var winners = new CampaignKeys(campaignId).Winners;
        if (await database.HashLengthAsync(winners) <= rows)
            return;
        await foreach (var page in database.HashScanAsync(winners, pageSize: PageSize).Chunk(PageSize).WithCancellation(cancellationToken))
        {
            var due = page.Where(w => (long)w.Value <= cutoff).ToDictionary(w => (long)w.Name, w => (long)w.Value);
            if (due.Count > 0)
                await RepairAsync(db, campaignId, due, cancellationToken);
        }
    }

    private async Task RepairAsync(CouponDbContext db, long campaignId, Dictionary<long, long> due, CancellationToken cancellationToken)
    {
        using var work = BackgroundRound.Work("repair winners");
        var users = due.Keys.ToList();
        var persisted = await db.Issues.AsNoTracking()
            .Where(i => i.CampaignId == campaignId && users.Contains(i.UserId))
            .Select(i => i.UserId)
            .ToListAsync(cancellationToken);
        var missing = users.Except(persisted).ToList();
        // A withdrawal names the request that may have recorded the winner; the winner's own
        // request id says whether it is that one, or another request's of the same user.
        var requests = await state.RequestsAsync(campaignId, missing);
        var withdrawals = (await db.Withdrawals
            .Where(w => w.CampaignId == campaignId && missing.Contains(w.UserId))
            .ToListAsync(cancellationToken)).ToLookup(w => (w.UserId, w.RequestId));
        var now = Time.GetUtcNow();
        foreach (var userId in missing)
        {
            var acceptedAtMs = due[userId];
            if (withdrawals[(userId, requests[userId])].FirstOrDefault() is { } withdrawal)
            {
                await state.WithdrawAsync(new IssueRequest(campaignId, userId, withdrawal.RequestId, DeadlineMs: 0));
                db.Withdrawals.Remove(withdrawal);
                await db.SaveChangesAsync(cancellationToken);
                LogWithdrawn(campaignId, userId);
                continue;
            }
            if (!await state.ClaimForReconcileAsync(campaignId, userId, acceptedAtMs, now, _options.ReconcileRepeat))
                continue;
            var issued = new CouponIssuedEvent(campaignId, userId, DateTimeOffset.FromUnixTimeMilliseconds(acceptedAtMs));
            await producer.Current.ProduceAsync(CouponTopics.Issued, new Message<byte[], byte[]>
            {
                Value = issued.ToJson(),
                Headers = TraceHeaders.From(System.Diagnostics.Activity.Current),
            }, cancellationToken);
            metrics.WinnerRepublished();
            LogRepublished(campaignId, userId, issued.AcceptedAt);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Removed the winner of campaign {CampaignId} for user {UserId} that the api withdrew while Redis was unreachable")]
    private partial void LogWithdrawn(long campaignId, long userId);

    [LoggerMessage(LogLevel.Warning, "Re-published the issue of campaign {CampaignId} to user {UserId} accepted at {AcceptedAt:O}: no row in MySQL after the grace period")]
    private partial void LogRepublished(long campaignId, long userId, DateTimeOffset acceptedAt);

    [LoggerMessage(LogLevel.Warning, "Campaign {CampaignId} could not be reconciled this round: its Redis shard is unreachable")]
    private partial void LogUnreachable(Exception exception, long campaignId);

    [LoggerMessage(LogLevel.Information, "Reconciling every {Interval}, winners older than {Grace} without a row are re-published")]
    private partial void LogStarted(TimeSpan interval, TimeSpan grace);
}
