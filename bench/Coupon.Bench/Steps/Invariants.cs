using System.Diagnostics;
using Coupon.Bench.Load;
using MySqlConnector;

namespace Coupon.Bench.Steps;

// The invariants every step ends with, read from MySQL once the worker has drained:
// rows <= total, no (coupon, user) twice, issued_quantity = rows, every 202 has a row and no row
// belongs to a request that got anything else (requests with no answer may go either way).
public sealed record InvariantReport(long CampaignId, long Rows, long IssuedQuantity, int? Total, long Accepted,
    TimeSpan Drain, IReadOnlyList<string> Violations)
{
    public bool Holds => Violations.Count == 0;

    public string Summary => Holds
        ? $"ok ({Rows:N0} rows)"
        : $"VIOLATED: {string.Join("; ", Violations)}";
}

public sealed class Invariants(string connectionString)
{
    public async Task<InvariantReport> CheckAsync(long campaignId, int? total, IReadOnlyCollection<AcceptedRequest> accepted,
        IReadOnlyCollection<long> unknown, TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        var drain = await WaitForRowsAsync(campaignId, accepted.Count, drainTimeout, cancellationToken);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var (rows, issued) = await CountsAsync(connection, campaignId, cancellationToken);

        var violations = new List<string>();
        if (total is { } limit && rows > limit)
            violations.Add($"{rows} rows for a quantity of {limit}");
        if (issued != rows)
            violations.Add($"issued_quantity {issued} != {rows} rows");

        var users = await UsersAsync(connection, campaignId, cancellationToken);
        var duplicates = users.Count - users.Distinct().Count();
        if (duplicates > 0)
            violations.Add($"{duplicates} users hold the coupon twice");

        var holders = users.ToHashSet();
        var missing = accepted.Count(a => !holders.Contains(a.UserId));
        if (missing > 0)
            violations.Add($"{missing} accepted requests have no row after {drain.TotalSeconds:F1} s");

        var answered = accepted.Select(a => a.UserId).ToHashSet();
        var unknownUsers = unknown.ToHashSet();
        var unexplained = holders.Count(u => !answered.Contains(u) && !unknownUsers.Contains(u));
        if (unexplained > 0)
            violations.Add($"{unexplained} rows belong to requests that were not accepted");

        return new InvariantReport(campaignId, rows, issued, total, accepted.Count, drain, violations);
    }

    // Drained when the campaign has at least that many rows and issued_quantity caught up with
    // them, or when the time is up; returns how long it took.
    public async Task<TimeSpan> WaitForRowsAsync(long campaignId, long expectedRows, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        var (rows, issued) = await CountsAsync(connection, campaignId, cancellationToken);
        while ((rows < expectedRows || issued != rows) && clock.Elapsed < timeout)
        {
            await Task.Delay(50, cancellationToken);
            (rows, issued) = await CountsAsync(connection, campaignId, cancellationToken);
        }
        return clock.Elapsed;
    }

    private static async Task<(long Rows, long Issued)> CountsAsync(MySqlConnection connection, long campaignId, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            "SELECT (SELECT COUNT(*) FROM coupon_issues WHERE campaign_id = @id), " +
            "(SELECT issued_quantity FROM campaigns WHERE id = @id)", connection);
        command.Parameters.AddWithValue("@id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? -1 : reader.GetInt64(1));
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
