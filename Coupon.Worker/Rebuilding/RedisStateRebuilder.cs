using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Worker.Rebuilding;

// After Redis lost a campaign's state (restarted empty, failed over, or only some winners lost),
// or holds it from another version of the row than MySQL's (an edit failed half-way; that meta
// is dropped first), the api answers 503 for it. This rebuilds the state from MySQL, but only once every event accepted before the loss is
// persisted (the group has drained the topic up to the watermarks taken at detection), so the
// rebuilt winners are complete and issuing can never go past the quantity. A Redis lock keeps
// it to one worker instance per campaign.
public sealed partial class RedisStateRebuilder(
    IServiceScopeFactory scopes,
    IConnectionMultiplexer redis,
    CampaignRedisState state,
    GroupProgress progress,
    Persisting.MigrationGate migrations,
    WorkerMetrics metrics,
    TimeProvider time,
    IOptions<WorkerOptions> options,
    ILogger<RedisStateRebuilder> logger) : DependencyLoop(time, logger)
{
    private readonly WorkerOptions _options = options.Value;

    protected override TimeSpan Interval => _options.RebuildCheckInterval;

    // Redis or MySQL unreachable, or the drain took too long: the next round tries again.
    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        await migrations.WaitAsync(cancellationToken);
        var lost = await LostCampaignsAsync(cancellationToken);
        if (lost.Count == 0)
            return;

        var database = redis.GetDatabase();
        var locked = new List<long>();
        var lockTime = _options.RebuildSettle + _options.RebuildDrainTimeout + TimeSpan.FromSeconds(30);
        try
        {
            foreach (var couponId in lost)
            {
                if (await database.LockTakeAsync(LockKey(couponId), _options.Instance, lockTime))
                    locked.Add(couponId);
            }
            if (locked.Count == 0)
                return;

            LogLost(locked);
            // An acceptance made just before the loss may still be on its way to Kafka.
            await Task.Delay(_options.RebuildSettle, Time, cancellationToken);
            var watermarks = progress.HighWatermarks();
            await progress.WaitUntilCommittedAsync(watermarks, _options.RebuildDrainTimeout, cancellationToken);

            foreach (var couponId in locked)
                await RebuildAsync(couponId, cancellationToken);
        }
        finally
        {
            foreach (var couponId in locked)
                await database.LockReleaseAsync(LockKey(couponId), _options.Instance);
        }
    }

    // Campaigns not over yet whose meta is missing, or was written from another version than the
    // row's (an edit or a create failed half-way and could not drop it then), or whose winners are
    // fewer than their rows (part of the state lost). Such a meta is dropped first, so that
    // nothing is accepted against it while the group drains.
    private async Task<List<long>> LostCampaignsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var now = Time.GetUtcNow().UtcDateTime;
        var live = await db.Campaigns.AsNoTracking().Where(c => c.IssueEnd > now)
            .Select(c => new { c.Id, c.Version, c.IssuedQuantity }).ToListAsync(cancellationToken);

        var batch = redis.GetDatabase().CreateBatch();
        var states = live.Select(c => (c.Id, c.Version, Rows: c.IssuedQuantity,
            Meta: batch.HashGetAsync(new CampaignKeys(c.Id).Meta, "version"),
            Winners: batch.HashLengthAsync(new CampaignKeys(c.Id).Winners))).ToList();
        batch.Execute();
        try
        {
            await Task.WhenAll(states.SelectMany(s => (Task[])[s.Meta, s.Winners]));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // One shard of a Redis Cluster down: the campaigns on the others are checked still.
            LogUnread(e, states.Count(s => !s.Meta.IsCompletedSuccessfully || !s.Winners.IsCompletedSuccessfully));
        }

        var lost = new List<long>();
        foreach (var (id, version, rows, meta, winners) in states.Where(s => s.Meta.IsCompletedSuccessfully && s.Winners.IsCompletedSuccessfully))
        {
            if ((int?)meta.Result != version)
            {
                if ((int?)meta.Result is { } written && await CurrentVersionAsync(db, id, cancellationToken) != written)
                {
                    LogStale(id, written, version);
                    await state.InvalidateAsync(id, written);
                }
                // A meta without a version predates them: it is kept.
                if (!await state.ExistsAsync(id))
                {
                    lost.Add(id);
                    continue;
                }
            }
            if (winners.Result < rows && await state.ForgetIfShortAsync(id, rows))
            {
                LogPartlyLost(id, rows);
                lost.Add(id);
            }
        }
        return lost;
    }

    // Read with a shared lock: an edit in flight holds the row until it commits or rolls back and
    // writes its meta before that, so a version that differs after this read differs for good.
    private static Task<int> CurrentVersionAsync(CouponDbContext db, long couponId, CancellationToken cancellationToken) =>
        db.Database.SqlQuery<int>($"SELECT version AS Value FROM coupons WHERE id = {couponId} LOCK IN SHARE MODE")
            .SingleAsync(cancellationToken);

    private async Task RebuildAsync(long couponId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == couponId, cancellationToken);
        var winners = await db.Issues.AsNoTracking()
            .Where(i => i.CouponId == couponId)
            .Select(i => new { i.UserId, i.IssuedAt })
            .ToListAsync(cancellationToken);

        // Written meanwhile by the api (an edit) or another instance whose lock expired.
        if (await state.ExistsAsync(couponId))
            return;
        await state.ReplaceAsync(CampaignMeta.From(campaign), [.. winners.Select(w => KeyValuePair.Create(
            w.UserId, new DateTimeOffset(w.IssuedAt, TimeSpan.Zero).ToUnixTimeMilliseconds()))]);
        metrics.CampaignRebuilt();
        LogRebuilt(couponId, winners.Count);
    }

    private static RedisKey LockKey(long couponId) => $"coupon:{{{couponId}}}:rebuild";

    [LoggerMessage(LogLevel.Warning, "The Redis state of {Count} campaign(s) could not be read; they are checked again next round")]
    private partial void LogUnread(Exception exception, int count);

    [LoggerMessage(LogLevel.Warning, "Redis lost the state of campaign(s) {CouponIds}; rebuilding from MySQL once the group has drained")]
    private partial void LogLost(List<long> couponIds);

    [LoggerMessage(LogLevel.Warning, "Redis holds fewer winners of campaign {CouponId} than its {Rows} row(s) in MySQL; its state is forgotten and rebuilt")]
    private partial void LogPartlyLost(long couponId, int rows);

    [LoggerMessage(LogLevel.Warning, "The Redis meta of campaign {CouponId} is of version {Written}, MySQL's of {Version}; dropping it to rebuild it")]
    private partial void LogStale(long couponId, int written, int version);

    [LoggerMessage(LogLevel.Warning, "Rebuilt the Redis state of campaign {CouponId} with {Winners} winner(s) from MySQL")]
    private partial void LogRebuilt(long couponId, int winners);
}
