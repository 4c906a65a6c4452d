using System.Data.Common;
using System.Text;
using Coupon.Core.Data;
using Coupon.Core.Messaging;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Coupon.Worker.Persisting;

// What one batch did in MySQL. Excess, unknown-campaign and late entry events were not inserted.
public sealed record BatchResult(
    int Inserted,
    int Duplicates,
    IReadOnlyList<CouponIssuedEvent> Excess,
    IReadOnlyList<CouponIssuedEvent> UnknownCampaign,
    IReadOnlyList<CouponIssuedEvent> NoDrawPending);

// Persists a batch of issued events in one transaction. Idempotent: UNIQUE(campaign_id, user_id)
// drops events already persisted, and issued_quantity grows by exactly the rows inserted. Entries
// go to draw_entries while their campaign's draw is not made; the draw locks the campaign row as
// this does, so an entry is either in the draw or refused here, never both nor lost.
public sealed class IssueBatchWriter(IServiceScopeFactory scopes)
{
    public async Task<BatchResult> WriteAsync(IReadOnlyCollection<CouponIssuedEvent> events, CancellationToken cancellationToken)
    {
        // A batch of nothing but malformed events has no row to write (and `IN ()` is no SQL).
        if (events.Count == 0)
            return new BatchResult(0, 0, [], [], []);

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var byCampaign = events
            .GroupBy(e => e.CampaignId)
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.DistinctBy(e => (e.UserId, e.Entered)).OrderBy(e => e.AcceptedAt).ToList());
        var campaigns = await LockCampaignsAsync(transaction, byCampaign.Keys, cancellationToken);

        var inserted = 0;
        var entered = 0;
        var excess = new List<CouponIssuedEvent>();
        var unknown = new List<CouponIssuedEvent>();
        var noDraw = new List<CouponIssuedEvent>();
        foreach (var (campaignId, ofCampaign) in byCampaign)
        {
            if (!campaigns.TryGetValue(campaignId, out var campaign))
            {
                unknown.AddRange(ofCampaign);
                continue;
            }
            var entries = ofCampaign.Where(e => e.Entered).ToList();
            if (campaign.DrawPending)
                entered += await EnterAsync(transaction, campaignId, entries, cancellationToken);
            else
                noDraw.AddRange(entries);

            var issues = ofCampaign.Where(e => !e.Entered).ToList();
            var toInsert = issues;
            if (campaign.Total is { } total && issues.Count > 0)
            {
                // Redis never accepts more than the quantity; this is the last line of defence
                // should it ever have (a lost state rebuilt too early, a hand-edited key).
                var persisted = await PersistedUsersAsync(transaction, campaignId, issues, cancellationToken);
                var fresh = issues.Where(e => !persisted.Contains(e.UserId)).ToList();
                var room = Math.Max(0, total - campaign.Issued);
                toInsert = [.. fresh.Take(room)];
                excess.AddRange(fresh.Skip(room));
            }
            inserted += await InsertAsync(transaction, campaignId, toInsert, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new BatchResult(inserted + entered, events.Count - inserted - entered - excess.Count - unknown.Count - noDraw.Count,
            excess, unknown, noDraw);
    }

    private static async Task<Dictionary<long, (int? Total, int Issued, bool DrawPending)>> LockCampaignsAsync(
        MySqlTransaction transaction, IEnumerable<long> campaignIds, CancellationToken cancellationToken)
    {
        // Locked in id order, so concurrent worker instances cannot deadlock on them.
        await using var command = Command(transaction,
            "SELECT id, total_quantity, issued_quantity, type = 'draw' AND drawn_at IS NULL FROM campaigns WHERE id IN (");
        AppendList(command, "c", campaignIds.Cast<object>());
        command.CommandText += ") ORDER BY id FOR UPDATE";
        var campaigns = new Dictionary<long, (int?, int, bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            campaigns[reader.GetInt64(0)] = (reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetInt32(2), reader.GetBoolean(3));
        return campaigns;
    }

    private static Task<int> EnterAsync(
        MySqlTransaction transaction, long campaignId, IReadOnlyList<CouponIssuedEvent> entries, CancellationToken cancellationToken) =>
        InsertIgnoreAsync(transaction, "draw_entries (campaign_id, user_id, entered_at)", campaignId, entries, cancellationToken);

    // One row per event (campaign, user, its time); the rows that were new.
    internal static async Task<int> InsertIgnoreAsync(
        MySqlTransaction transaction, string into, long campaignId, IReadOnlyList<CouponIssuedEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
            return 0;
        var sql = new StringBuilder($"INSERT IGNORE INTO {into} VALUES ");
        await using var insert = Command(transaction, "");
        insert.Parameters.AddWithValue("@coupon", campaignId);
        for (var i = 0; i < events.Count; i++)
        {
            sql.Append(i == 0 ? "" : ",").Append($"(@coupon,@u{i},@t{i})");
            insert.Parameters.AddWithValue($"@u{i}", events[i].UserId);
            insert.Parameters.AddWithValue($"@t{i}", events[i].AcceptedAt.UtcDateTime);
        }
        insert.CommandText = sql.ToString();
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<HashSet<long>> PersistedUsersAsync(
        MySqlTransaction transaction, long campaignId, IEnumerable<CouponIssuedEvent> issues, CancellationToken cancellationToken)
    {
        await using var command = Command(transaction, "SELECT user_id FROM coupon_issues WHERE campaign_id = @coupon AND user_id IN (");
        command.Parameters.AddWithValue("@coupon", campaignId);
        AppendList(command, "u", issues.Select(e => (object)e.UserId));
        command.CommandText += ")";
        var users = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            users.Add(reader.GetInt64(0));
        return users;
    }

    private static async Task<int> InsertAsync(
        MySqlTransaction transaction, long campaignId, IReadOnlyList<CouponIssuedEvent> issues, CancellationToken cancellationToken)
    {
        var inserted = await InsertIgnoreAsync(transaction, "coupon_issues (campaign_id, user_id, issued_at)", campaignId, issues, cancellationToken);
        if (inserted == 0)
            return 0;

        await using var count = Command(transaction, "UPDATE campaigns SET issued_quantity = issued_quantity + @inserted WHERE id = @coupon");
        count.Parameters.AddWithValue("@inserted", inserted);
        count.Parameters.AddWithValue("@coupon", campaignId);
        await count.ExecuteNonQueryAsync(cancellationToken);
        return inserted;
    }

    internal static MySqlCommand Command(MySqlTransaction transaction, string sql) =>
        new(sql, transaction.Connection, transaction);

    // Appends "@p0,@p1,…" to the command text with one parameter per value.
    private static void AppendList(DbCommand command, string prefix, IEnumerable<object> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@{prefix}{names.Count}";
            parameter.Value = value;
            command.Parameters.Add(parameter);
            names.Add(parameter.ParameterName);
        }
        command.CommandText += string.Join(',', names);
    }
}
