using MySqlConnector;

namespace Coupon.Tests.Issuing;

// The invariants every issuing test ends with, read from MySQL once the worker has drained:
// rows ≤ total; no (coupon, user) twice; every 202 has a row; no row for a user who got no 202;
// issued_quantity = rows.
public sealed class CampaignInvariants(string connectionString)
{
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    public async Task AssertAsync(long campaignId, int? totalQuantity, IReadOnlyCollection<long> accepted,
        IReadOnlyCollection<long> refused, TimeSpan? drainTimeout = null)
    {
        var rows = await WaitForRowsAsync(campaignId, accepted.Count, drainTimeout ?? DefaultDrainTimeout);

        if (totalQuantity is { } total)
            Assert.True(rows.Count <= total, $"Coupon {campaignId}: {rows.Count} rows for a quantity of {total}.");
        var duplicates = rows.GroupBy(u => u).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"Coupon {campaignId}: users with two rows: {string.Join(", ", duplicates)}.");
        var missing = accepted.Except(rows).ToList();
        Assert.True(missing.Count == 0, $"Coupon {campaignId}: accepted users without a row: {string.Join(", ", missing.Take(20))}.");
        var unexpected = rows.Intersect(refused).ToList();
        Assert.True(unexpected.Count == 0, $"Coupon {campaignId}: rows for refused users: {string.Join(", ", unexpected.Take(20))}.");
        Assert.Equal(rows.Count, await IssuedQuantityAsync(campaignId));
    }

    public async Task<List<long>> RowsAsync(long campaignId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT user_id FROM coupon_issues WHERE campaign_id = @id", connection);
        command.Parameters.AddWithValue("@id", campaignId);
        var users = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            users.Add(reader.GetInt64(0));
        return users;
    }

    public Task<int> IssuedQuantityAsync(long campaignId) => CountAsync("SELECT issued_quantity FROM campaigns WHERE id = @id", campaignId);

    // Withdrawals the api recorded in MySQL for the campaign (when it could not reach Redis).
    public Task<int> WithdrawalsAsync(long campaignId) => CountAsync("SELECT COUNT(*) FROM winner_withdrawals WHERE campaign_id = @id", campaignId);

    private async Task<int> CountAsync(string sql, long campaignId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        command.Parameters.AddWithValue("@id", campaignId);
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    // Campaigns, the campaign's rows and the user's rows: what a bad request could have changed.
    public async Task<long> FootprintAsync(long campaignId, long userId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT (SELECT COUNT(*) FROM campaigns) + (SELECT COUNT(*) FROM coupon_issues WHERE campaign_id = @coupon OR user_id = @user)",
            connection);
        command.Parameters.AddWithValue("@coupon", campaignId);
        command.Parameters.AddWithValue("@user", userId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    // Waits until the expected rows are there (and issued_quantity caught up), then a moment more
    // so that a row that should not exist has had its chance to appear.
    private async Task<List<long>> WaitForRowsAsync(long campaignId, int expected, TimeSpan timeout)
    {
        await Poll.UntilAsync(
            async () => (await RowsAsync(campaignId)).Count >= expected && await IssuedQuantityAsync(campaignId) >= expected,
            drained => drained, timeout);
        await Task.Delay(500);
        return await RowsAsync(campaignId);
    }
}
