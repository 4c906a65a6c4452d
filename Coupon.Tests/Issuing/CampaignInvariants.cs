using Coupon.Testing;
using MySqlConnector;

namespace Coupon.Tests.Issuing;

// The invariants every issuing test ends with (the bench's checks, asserted): the campaign holds
// the quantity the test gave it, rows ≤ quantity, no (coupon, user) twice, every 202 has a row, no
// row for a user who was refused, issued_quantity = rows. Users in neither list may go either way.
public sealed class CampaignInvariants(string connectionString)
{
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    private readonly Invariants _invariants = new(connectionString, settle: TimeSpan.FromMilliseconds(500));

    public async Task AssertAsync(long campaignId, int? totalQuantity, IReadOnlyCollection<long> accepted,
        IReadOnlyCollection<long> refused, TimeSpan? drainTimeout = null)
    {
        var refusedUsers = refused.ToHashSet();
        var report = await _invariants.CheckAsync(campaignId, accepted, refusedUsers.Contains, drainTimeout ?? DefaultDrainTimeout);
        Assert.True(report.Holds, $"Campaign {campaignId}: {report.Summary}");
        Assert.Equal(totalQuantity, report.Total);
    }

    public Task<List<long>> RowsAsync(long campaignId) => UsersAsync("SELECT user_id FROM coupon_issues WHERE campaign_id = @id", campaignId);

    // The users in the campaign's draw, sorted as the draw takes them.
    public Task<List<long>> EntrantsAsync(long campaignId) =>
        UsersAsync("SELECT user_id FROM draw_entries WHERE campaign_id = @id ORDER BY user_id", campaignId);

    private async Task<List<long>> UsersAsync(string sql, long campaignId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
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
}
