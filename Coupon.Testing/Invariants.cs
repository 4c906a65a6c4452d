using System.Diagnostics;
using MySqlConnector;

namespace Coupon.Testing;

// The invariants every bench step and every test ends with, read from MySQL once the worker has
// drained: rows <= the campaign's quantity, no (coupon, user) twice, issued_quantity = rows, every
// 202 has a row, and no row belongs to a request whose answer said otherwise (a request with no
// answer, or a 504, may have gone either way).
public sealed record InvariantReport(long CampaignId, long Rows, long IssuedQuantity, int? Total, long Accepted,
    TimeSpan Drain, IReadOnlyList<string> Violations)
{
    public bool Holds => Violations.Count == 0;

    public string Summary => Holds
        ? $"ok ({Rows:N0} rows)"
        : $"VIOLATED: {string.Join("; ", Violations)}";
}

// settle: how long to wait once drained, so that a row that should not exist has had its chance.
public sealed class Invariants(string connectionString, TimeSpan settle = default)
{
    private const int ShownUsers = 20;

    public async Task<InvariantReport> CheckAsync(long campaignId, IReadOnlyCollection<long> accepted, Func<long, bool> refused,
        TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        var drain = await WaitForRowsAsync(campaignId, accepted.Count, drainTimeout, cancellationToken);
        if (settle > TimeSpan.Zero)
            await Task.Delay(settle, cancellationToken);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var (rows, issued, total) = await CountsAsync(connection, campaignId, cancellationToken);

        var violations = new List<string>();
        if (total is { } limit && rows > limit)
            violations.Add($"{rows} rows for a quantity of {limit}");
        if (issued != rows)
            violations.Add($"issued_quantity {issued} != {rows} rows");

        var users = await UsersAsync(connection, campaignId, cancellationToken);
        Add("users hold the coupon twice", users.GroupBy(u => u).Where(g => g.Count() > 1).Select(g => g.Key));
        var holders = users.ToHashSet();
        Add($"accepted users have no row after {drain.TotalSeconds:F1} s", accepted.Where(u => !holders.Contains(u)));
        var answered = accepted.ToHashSet();
        Add("rows belong to users who were refused", holders.Where(u => !answered.Contains(u) && refused(u)));

        return new InvariantReport(campaignId, rows, issued, total, accepted.Count, drain, violations);

        void Add(string what, IEnumerable<long> found)
        {
            var list = found.ToList();
            if (list.Count > 0)
                violations.Add($"{list.Count} {what} ({string.Join(", ", list.Take(ShownUsers))}{(list.Count > ShownUsers ? ", …" : "")})");
        }
    }

    // Drained when the campaign has at least that many rows and issued_quantity caught up with
    // them, or when the time is up; returns how long it took.
    public async Task<TimeSpan> WaitForRowsAsync(long campaignId, long expectedRows, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        var (rows, issued, _) = await CountsAsync(connection, campaignId, cancellationToken);
        while ((rows < expectedRows || issued != rows) && clock.Elapsed < timeout)
        {
            await Task.Delay(50, cancellationToken);
            (rows, issued, _) = await CountsAsync(connection, campaignId, cancellationToken);
        }
        return clock.Elapsed;
    }

    private static async Task<(long Rows, long Issued, int? Total)> CountsAsync(MySqlConnection connection, long campaignId, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            "SELECT (SELECT COUNT(*) FROM coupon_issues WHERE campaign_id = @id), issued_quantity, total_quantity " +
            "FROM campaigns WHERE id = @id", connection);
        command.Parameters.AddWithValue("@id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"Campaign {campaignId} is not in MySQL.");
        return (reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt32(2));
    }

    private static async Task<List<long>> UsersAsync(MySqlConnection connection, long campaignId, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("SELECT user_id FROM coupon_issues WHERE campaign_id = @id", connection);
        command.Parameters.AddWithValue("@id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
            users.Add(reader.GetInt64(0));
        return users;
    }
}
