using System.Diagnostics;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Drawing;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using Coupon.ServiceDefaults;
using Coupon.Worker.Persisting;
using Coupon.Worker.Rebuilding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Coupon.Worker.Drawing;

// Makes each campaign's draw once, DrawGrace after its window ended: by then every entry the api
// answered 202 is in Kafka, so once the group has persisted the topic up to its high watermarks
// MySQL holds every such entry. The draw is one MySQL transaction on the locked campaign row
// (the entries' writer takes the same lock): the entrants, sorted by user id, and the seed give
// the winners (DrawAlgorithm), inserted as coupon rows with drawn_at set. Whichever worker gets
// the lock first draws; the others find drawn_at set. A worker killed mid-draw rolls it back, and
// the next round draws again. Then Redis is told: the winners replace the entrants and the
// campaign is first come for the rest of its window (a lost state is rebuilt that way anyway).
public sealed partial class CampaignDraws(
    IServiceScopeFactory scopes,
    CampaignRedisState state,
    GroupProgress progress,
    MigrationGate migrations,
    TimeProvider time,
    IOptions<WorkerOptions> options,
    ILogger<CampaignDraws> logger) : DependencyLoop(time, logger)
{
    // Rows per INSERT: below MySQL's limit of placeholders per statement.
    private const int RowsPerInsert = 1000;

    private readonly WorkerOptions _options = options.Value;

    protected override TimeSpan Interval => _options.DrawCheckInterval;

    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        await migrations.WaitAsync(cancellationToken);
        var now = Time.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var since = now - _options.ReconcileLookback;
        var draws = await db.Campaigns.AsNoTracking()
            .Where(c => c.OpeningMode == OpeningMode.Draw && c.IssueEnd > since)
            .Select(c => new { c.Id, c.IssueStart, c.DrawWindowSeconds, c.DrawnAt })
            .ToListAsync(cancellationToken);

        var due = draws.Where(c => c.DrawnAt is null && c.IssueStart.AddSeconds(c.DrawWindowSeconds ?? 0) + _options.DrawGrace <= now).ToList();
        if (due.Count > 0)
        {
            using var work = BackgroundRound.Work("make draws");
            await progress.WaitUntilCommittedAsync(progress.HighWatermarks(), _options.RebuildDrainTimeout, cancellationToken);
            foreach (var campaign in due)
                await DrawAsync(campaign.Id, cancellationToken);
        }

        // Made, but Redis may not know yet: this round made it, or a worker stopped before telling it.
        foreach (var campaign in draws.Where(c => c.DrawnAt is not null).Concat(due))
        {
            if (await state.DrawPendingAsync(campaign.Id) == true)
                await ApplyAsync(campaign.Id, cancellationToken);
        }
    }

    private async Task DrawAsync(long campaignId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using var read = IssueBatchWriter.Command(transaction,
            "SELECT total_quantity, draw_seed, drawn_at IS NOT NULL FROM campaigns WHERE id = @coupon FOR UPDATE");
        read.Parameters.AddWithValue("@coupon", campaignId);
        int quantity;
        string seed;
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken) || reader.GetBoolean(2))
                return;
            (quantity, seed) = (reader.IsDBNull(0) ? int.MaxValue : reader.GetInt32(0), reader.GetString(1));
        }

        // A locking read: the entries committed before the lock was taken, whatever the snapshot.
        await using var entries = IssueBatchWriter.Command(transaction,
            "SELECT user_id FROM draw_entries WHERE campaign_id = @coupon ORDER BY user_id LOCK IN SHARE MODE");
        entries.Parameters.AddWithValue("@coupon", campaignId);
        var entrants = new List<long>();
        await using (var reader = await entries.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                entrants.Add(reader.GetInt64(0));
        }

        var drawnAt = new DateTimeOffset(Time.GetUtcNow().UtcDateTime, TimeSpan.Zero);
        var winners = DrawAlgorithm.Winners(seed, entrants, quantity);
        var inserted = 0;
        foreach (var chunk in winners.Chunk(RowsPerInsert))
        {
            inserted += await IssueBatchWriter.InsertIgnoreAsync(transaction, "coupon_issues (campaign_id, user_id, issued_at)", campaignId,
                [.. chunk.Select(user => new CouponIssuedEvent(campaignId, user, drawnAt))], cancellationToken);
        }

        await using var made = IssueBatchWriter.Command(transaction,
            "UPDATE campaigns SET drawn_at = @drawn, draw_entrants = @entrants, draw_winners = @winners, "
            + "issued_quantity = issued_quantity + @inserted WHERE id = @coupon");
        made.Parameters.AddWithValue("@drawn", drawnAt.UtcDateTime);
        made.Parameters.AddWithValue("@entrants", entrants.Count);
        made.Parameters.AddWithValue("@winners", winners.Count);
        made.Parameters.AddWithValue("@inserted", inserted);
        made.Parameters.AddWithValue("@coupon", campaignId);
        await made.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogDrawn(campaignId, entrants.Count, winners.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task ApplyAsync(long campaignId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == campaignId, cancellationToken);
        var winners = await db.Issues.AsNoTracking().Where(i => i.CampaignId == campaignId)
            .Select(i => new { i.UserId, i.IssuedAt }).ToListAsync(cancellationToken);
        if (await state.ApplyDrawAsync(CampaignMeta.From(campaign), [.. winners.Select(w => KeyValuePair.Create(
                w.UserId, new DateTimeOffset(w.IssuedAt, TimeSpan.Zero).ToUnixTimeMilliseconds()))]))
            LogApplied(campaignId, winners.Count);
    }

    [LoggerMessage(LogLevel.Information, "Made the draw of campaign {CampaignId}: {Entrants} entrant(s), {Winners} winner(s) in {ElapsedMs:0} ms")]
    private partial void LogDrawn(long campaignId, int entrants, int winners, double elapsedMs);

    [LoggerMessage(LogLevel.Information, "The draw of campaign {CampaignId} is live in Redis with {Winners} winner(s); first come for the rest of its window")]
    private partial void LogApplied(long campaignId, int winners);
}
