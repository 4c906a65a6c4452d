using Coupon.Core.Issuing;
using StackExchange.Redis;

namespace Coupon.Tests.Issuing;

// Reads the api's Redis state directly: its clock (the window is judged by Redis TIME) and winners.
public sealed class RedisProbe(string connectionString) : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() => ConnectionMultiplexer.ConnectAsync(connectionString));

    public async Task<IDatabase> DatabaseAsync() => (await _connection.Value).GetDatabase();

    public async Task<DateTimeOffset> NowAsync()
    {
        var time = (RedisResult[])(await (await DatabaseAsync()).ExecuteAsync("TIME"))!;
        return DateTimeOffset.FromUnixTimeSeconds((long)time[0]).AddTicks((long)time[1] * 10);
    }

    public async Task WaitUntilAsync(DateTimeOffset moment)
    {
        while (await NowAsync() < moment)
            await Task.Delay(10);
    }

    public async Task<bool> IsWinnerAsync(long campaignId, long userId) =>
        await (await DatabaseAsync()).HashExistsAsync(new CampaignKeys(campaignId).Winners, userId);

    public async Task<long> WinnersAsync(long campaignId) =>
        await (await DatabaseAsync()).HashLengthAsync(new CampaignKeys(campaignId).Winners);

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
            await (await _connection.Value).DisposeAsync();
    }
}
