using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Coupon.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Worker.Rebuilding;

// After Redis lost a campaign's state (restarted empty, failed over, or only some winners lost)
// the api answers 503 for it. This rebuilds the state from MySQL, but only once every event accepted before the loss is
// persisted (the group has drained the topic up to the watermarks taken at detection), so the
// rebuilt winners are complete and issuing can never go past the quantity. A Redis lock keeps
// it to one worker instance per campaign. A meta of another version than MySQL's, or narrowed
// by an edit whose outcome the api could not write (EditCampaign), is brought to MySQL's row.
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

        using var work = BackgroundRound.Work("rebuild lost campaigns");
        var database = redis.GetDatabase();
        var locked = new List<long>();
        var lockTime = _options.RebuildSettle + _options.RebuildDrainTimeout + TimeSpan.FromSeconds(30);
        try
        {
            foreach (var campaignId in lost)
            {
                if (await database.LockTakeAsync(LockKey(campaignId), _options.Instance, lockTime))
                    locked.Add(campaignId);
            }
            if (locked.Count == 0)
                return;

            LogLost(locked);
            // An acceptance made just before the loss may still be on its way to Kafka.
            await Task.Delay(_options.RebuildSettle, Time, cancellationToken);
            var watermarks = progress.HighWatermarks();
            await progress.WaitUntilCommittedAsync(watermarks, _options.RebuildDrainTimeout, cancellationToken);

            foreach (var campaignId in locked)
                await RebuildAsync(campaignId, cancellationToken);
        }
        finally
        {
            foreach (var campaignId in locked)
                await database.LockReleaseAsync(LockKey(campaignId), _options.Instance);
        }
    }

    // Campaigns whose meta is missing, or whose winners are fewer than their rows (part of the
    // state lost), and whose meta cannot be brought to MySQL's version. Campaigns that ended
    // within the reconciler's lookback count too: an operator may still reopen one, and its
    // counts are read from Redis. A meta that is to be rebuilt is dropped first, so that nothing
    // is accepted against it while the group drains.
    private async Task<List<long>> LostCampaignsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var since = (Time.GetUtcNow() - _options.ReconcileLookback).UtcDateTime;
        var recent = await db.Campaigns.AsNoTracking().Where(c => c.IssueEnd > since)
            .Select(c => new { c.Id, c.Version, c.IssuedQuantity }).ToListAsync(cancellationToken);

        var batch = redis.GetDatabase().CreateBatch();
        var states = recent.Select(c => (c.Id, c.Version, Rows: c.IssuedQuantity,
            Meta: batch.HashGetAsync(new CampaignKeys(c.Id).Meta, ["version", "pending"]),
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
            var (written, pending) = ((int?)meta.Result[0], (string?)meta.Result[1]);
            if (written != version || pending is not null)
            {
                // A meta without a version predates them: it is kept.
                if (written is not null || pending is not null)
                    await BringToMySqlAsync(db, id, written, pending, cancellationToken);
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

    // The row is read with a shared lock: an edit in flight holds it until it commits or rolls
    // back and narrows the meta only while it holds it, so what this reads is what MySQL keeps for
    // the edit seen pending. Written over that edit only (a newer one may have begun since), never
    // over a newer version; a meta that cannot take the row's (below its accepted count, newer
    // than MySQL's) is dropped, to be rebuilt.
    private async Task BringToMySqlAsync(CouponDbContext db, long campaignId, int? written, string? pending, CancellationToken cancellationToken)
    {
        using var work = BackgroundRound.Work("bring a campaign's meta to MySQL's");
        var row = (await db.Campaigns.FromSql($"SELECT * FROM campaigns WHERE id = {campaignId} LOCK IN SHARE MODE")
            .AsNoTracking().ToListAsync(cancellationToken)).Single();
        var (result, _) = await state.ApplyAsync(CampaignMeta.From(row), pending);
        switch (result)
        {
            case MetaUpdate.Updated:
                LogBrought(campaignId, written, row.Version);
                break;
            case MetaUpdate.BelowAccepted or MetaUpdate.Stale when written is { } version:
                LogStale(campaignId, version, row.Version);
                await state.InvalidateAsync(campaignId, version);
                break;
        }
    }

    private async Task RebuildAsync(long campaignId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == campaignId, cancellationToken);
        var winners = await db.Issues.AsNoTracking()
            .Where(i => i.CampaignId == campaignId)
            .Select(i => new { i.UserId, At = i.IssuedAt })
            .ToListAsync(cancellationToken);
        // A draw not made yet: its entrants, so that nobody enters twice.
        var entrants = campaign.OpeningMode == OpeningMode.Draw && campaign.DrawnAt is null
            ? await db.DrawEntries.AsNoTracking().Where(e => e.CampaignId == campaignId)
                .Select(e => new { e.UserId, At = e.EnteredAt }).ToListAsync(cancellationToken)
            : [];

        // Written meanwhile by the api (an edit) or another instance whose lock expired.
        if (await state.ExistsAsync(campaignId))
            return;
        await state.ReplaceAsync(CampaignMeta.From(campaign),
            [.. winners.Select(w => KeyValuePair.Create(w.UserId, new DateTimeOffset(w.At, TimeSpan.Zero).ToUnixTimeMilliseconds()))],
            [.. entrants.Select(e => KeyValuePair.Create(e.UserId, new DateTimeOffset(e.At, TimeSpan.Zero).ToUnixTimeMilliseconds()))]);
        metrics.CampaignRebuilt();
        LogRebuilt(campaignId, winners.Count);
    }

    private static RedisKey LockKey(long campaignId) => $"coupon:{{{campaignId}}}:rebuild";

    [LoggerMessage(LogLevel.Warning, "The Redis state of {Count} campaign(s) could not be read; they are checked again next round")]
    private partial void LogUnread(Exception exception, int count);

    [LoggerMessage(LogLevel.Warning, "Redis lost the state of campaign(s) {CampaignIds}; rebuilding from MySQL once the group has drained")]
    private partial void LogLost(List<long> campaignIds);

    [LoggerMessage(LogLevel.Warning, "Redis holds fewer winners of campaign {CampaignId} than its {Rows} row(s) in MySQL; its state is forgotten and rebuilt")]
    private partial void LogPartlyLost(long campaignId, int rows);

    [LoggerMessage(LogLevel.Warning, "The Redis meta of campaign {CampaignId} is of version {Written}, MySQL's of {Version}; dropping it to rebuild it")]
    private partial void LogStale(long campaignId, int written, int version);

    [LoggerMessage(LogLevel.Warning, "The Redis meta of campaign {CampaignId} (version {Written}) was brought to version {Version} from MySQL")]
    private partial void LogBrought(long campaignId, int? written, int version);

    [LoggerMessage(LogLevel.Warning, "Rebuilt the Redis state of campaign {CampaignId} with {Winners} winner(s) from MySQL")]
    private partial void LogRebuilt(long campaignId, int winners);
}
