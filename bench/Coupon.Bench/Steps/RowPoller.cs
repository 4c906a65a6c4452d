using System.Diagnostics;
using MySqlConnector;

namespace Coupon.Bench.Steps;

// Watches a campaign's rows appear in MySQL: every interval, the rows with an id above the last one
// seen, each stamped with the time of the query that first returned it.
internal sealed class RowPoller : IAsyncDisposable
{
    private readonly Dictionary<long, long> _seenAt = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RowPoller(string connectionString, long campaignId, TimeSpan interval)
    {
        Interval = interval;
        _loop = Task.Run(() => PollAsync(connectionString, campaignId, _stop.Token));
    }

    public TimeSpan Interval { get; }

    // Stopwatch timestamp at which the user's row was first seen, if it was.
    public long? SeenAt(long userId) => _seenAt.TryGetValue(userId, out var at) ? at : null;

    // Stops polling; SeenAt then holds everything that was seen.
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
            await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task PollAsync(string connectionString, long campaignId, CancellationToken stop)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(stop);
        await using var command = new MySqlCommand(
            "SELECT id, user_id FROM coupon_issues WHERE campaign_id = @coupon AND id > @last ORDER BY id", connection);
        command.Parameters.AddWithValue("@coupon", campaignId);
        var last = command.Parameters.AddWithValue("@last", 0L);
        long lastId = 0;
        while (true)
        {
            var at = Stopwatch.GetTimestamp();
            last.Value = lastId;
            await using (var reader = await command.ExecuteReaderAsync(stop))
            {
                while (await reader.ReadAsync(stop))
                {
                    lastId = reader.GetInt64(0);
                    _seenAt.TryAdd(reader.GetInt64(1), at);
                }
            }
            await Task.Delay(Interval, stop);
        }
    }
}
