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

    public async Task AssertAsync(long couponId, int? totalQuantity, IReadOnlyCollection<long> accepted,
        IReadOnlyCollection<long> refused, TimeSpan? drainTimeout = null)
    {
        var refusedUsers = refused.ToHashSet();
        var report = await _invariants.CheckAsync(couponId, accepted, refusedUsers.Contains, drainTimeout ?? DefaultDrainTimeout);
        Assert.True(report.Holds, $"Coupon {couponId}: {report.Summary}");
        Assert.Equal(totalQuantity, report.Total);
    }

    public async Task<List<long>> RowsAsync(long couponId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT user_id FROM coupon_issues WHERE coupon_id = @id", connection);
        command.Parameters.AddWithValue("@id", couponId);
        var users = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            users.Add(reader.GetInt64(0));
        return users;
    }

    public Task<int> IssuedQuantityAsync(long couponId) => CountAsync("SELECT issued_quantity FROM coupons WHERE id = @id", couponId);

    // Withdrawals the api recorded in MySQL for the campaign (when it could not reach Redis).
    public Task<int> WithdrawalsAsync(long couponId) => CountAsync("SELECT COUNT(*) FROM winner_withdrawals WHERE coupon_id = @id", couponId);

    private async Task<int> CountAsync(string sql, long couponId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        command.Parameters.AddWithValue("@id", couponId);
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    // Campaigns, the campaign's rows and the user's rows: what a bad request could have changed.
    public async Task<long> FootprintAsync(long couponId, long userId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT (SELECT COUNT(*) FROM coupons) + (SELECT COUNT(*) FROM coupon_issues WHERE coupon_id = @coupon OR user_id = @user)",
            connection);
        command.Parameters.AddWithValue("@coupon", couponId);
        command.Parameters.AddWithValue("@user", userId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
