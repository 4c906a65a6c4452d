using System.Data.Common;
using System.Text;
using Coupon.Core.Data;
using Coupon.Core.Messaging;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Coupon.Worker.Persisting;

// What one batch did in MySQL. Excess and unknown-campaign events were not inserted.
public sealed record BatchResult(int Inserted, int Duplicates, IReadOnlyList<CouponIssuedEvent> Excess, IReadOnlyList<CouponIssuedEvent> UnknownCampaign);

// Persists a batch of issued events in one transaction. Idempotent: UNIQUE(campaign_id, user_id)
// drops events already persisted, and issued_quantity grows by exactly the rows inserted.
public sealed class IssueBatchWriter(IServiceScopeFactory scopes)
{
    public async Task<BatchResult> WriteAsync(IReadOnlyCollection<CouponIssuedEvent> events, CancellationToken cancellationToken)
    {
        // A batch of nothing but malformed events has no row to write (and `IN ()` is no SQL).
        if (events.Count == 0)
            return new BatchResult(0, 0, [], []);

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var byCampaign = events
            .GroupBy(e => e.CampaignId)
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.DistinctBy(e => e.UserId).OrderBy(e => e.AcceptedAt).ToList());
        var campaigns = await LockCampaignsAsync(transaction, byCampaign.Keys, cancellationToken);

        var inserted = 0;
        var excess = new List<CouponIssuedEvent>();
        var unknown = new List<CouponIssuedEvent>();
        foreach (var (campaignId, issues) in byCampaign)
        {
            if (!campaigns.TryGetValue(campaignId, out var campaign))
            {
                unknown.AddRange(issues);
                continue;
            }
            var toInsert = issues;
            if (campaign.Total is { } total)
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
        return new BatchResult(inserted, events.Count - inserted - excess.Count - unknown.Count, excess, unknown);
    }

    private static async Task<Dictionary<long, (int? Total, int Issued)>> LockCampaignsAsync(
        MySqlTransaction transaction, IEnumerable<long> campaignIds, CancellationToken cancellationToken)
    {
        // Locked in id order, so concurrent worker instances cannot deadlock on them.
        await using var command = Command(transaction, "SELECT id, total_quantity, issued_quantity FROM campaigns WHERE id IN (");
        AppendList(command, "c", campaignIds.Cast<object>());
        command.CommandText += ") ORDER BY id FOR UPDATE";
        var campaigns = new Dictionary<long, (int?, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            campaigns[reader.GetInt64(0)] = (reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetInt32(2));
        return campaigns;
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
        if (issues.Count == 0)
            return 0;
        var sql = new StringBuilder("INSERT IGNORE INTO coupon_issues (campaign_id, user_id, issued_at) VALUES ");
        await using var insert = Command(transaction, "");
        insert.Parameters.AddWithValue("@coupon", campaignId);
        for (var i = 0; i < issues.Count; i++)
        {
            sql.Append(i == 0 ? "" : ",").Append($"(@coupon,@u{i},@t{i})");
            insert.Parameters.AddWithValue($"@u{i}", issues[i].UserId);
            insert.Parameters.AddWithValue($"@t{i}", issues[i].AcceptedAt.UtcDateTime);
        }
        insert.CommandText = sql.ToString();
        var inserted = await insert.ExecuteNonQueryAsync(cancellationToken);
        if (inserted == 0)
            return 0;

        await using var count = Command(transaction, "UPDATE campaigns SET issued_quantity = issued_quantity + @inserted WHERE id = @coupon");
        count.Parameters.AddWithValue("@inserted", inserted);
        count.Parameters.AddWithValue("@coupon", campaignId);
        await count.ExecuteNonQueryAsync(cancellationToken);
        return inserted;
    }

    private static MySqlCommand Command(MySqlTransaction transaction, string sql) =>
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
