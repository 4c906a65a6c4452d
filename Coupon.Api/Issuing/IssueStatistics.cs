using System.Collections.Concurrent;
using Coupon.Core.Issuing;
using Coupon.ServiceDefaults;
using StackExchange.Redis;

namespace Coupon.Api.Issuing;

// Rejections by code and issues per second, per campaign, for the stats endpoint. Counted in
// process and flushed to Redis once a second, so the hot path adds no Redis command and several
// api instances add up their counts.
public sealed class IssueStatistics(IConnectionMultiplexer redis, TimeProvider time, ILogger<IssueStatistics> logger)
    : DependencyLoop(time, logger)
{
    // How far back the per-second series reaches.
    public static readonly TimeSpan History = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    // Rejection counts stay this long after a campaign's last rejection, then Redis drops them.
    private static readonly TimeSpan RejectionsKept = TimeSpan.FromDays(30);

    private ConcurrentDictionary<(long CampaignId, string Code), long> _rejections = new();
    private ConcurrentDictionary<(long CampaignId, long Second), long> _issued = new();

    public void RecordRejection(long campaignId, string code) =>
        _rejections.AddOrUpdate((campaignId, code), 1, (_, count) => count + 1);

    public void RecordIssued(long campaignId, DateTimeOffset acceptedAt) =>
        _issued.AddOrUpdate((campaignId, acceptedAt.ToUnixTimeSeconds()), 1, (_, count) => count + 1);

    public async Task<IReadOnlyDictionary<string, long>> RejectionsAsync(long campaignId)
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(new CampaignKeys(campaignId).Rejections);
        return entries.ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
    }

    // One point per second over History, oldest first, ending at the last complete second.
    public async Task<IReadOnlyList<(DateTimeOffset At, long Issued)>> RecentAsync(long campaignId)
    {
        var keys = new CampaignKeys(campaignId);
        var last = Time.GetUtcNow().ToUnixTimeSeconds() - 1;
        var seconds = Enumerable.Range(0, (int)History.TotalSeconds).Select(i => last - (long)History.TotalSeconds + 1 + i).ToArray();
        var values = await redis.GetDatabase().StringGetAsync([.. seconds.Select(keys.IssuedInSecond)]);
        return [.. seconds.Select((second, i) => (DateTimeOffset.FromUnixTimeSeconds(second), values[i].HasValue ? (long)values[i] : 0L))];
    }

    protected override TimeSpan Interval => FlushInterval;

    protected override Task RoundAsync(CancellationToken stoppingToken) => FlushAsync();

    // What was counted since the last round still goes out.
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync();
    }

    private async Task FlushAsync()
    {
        var rejections = Interlocked.Exchange(ref _rejections, new());
        var issued = Interlocked.Exchange(ref _issued, new());
        if (rejections.IsEmpty && issued.IsEmpty)
            return;
        using var work = BackgroundRound.Work("flush issue statistics");
        try
        {
            var batch = redis.GetDatabase().CreateBatch();
            var commands = new List<Task>();
            foreach (var ((campaignId, code), count) in rejections)
            {
                var key = new CampaignKeys(campaignId).Rejections;
                commands.Add(batch.HashIncrementAsync(key, code, count));
                commands.Add(batch.KeyExpireAsync(key, RejectionsKept));
            }
            foreach (var ((campaignId, second), count) in issued)
            {
                var key = new CampaignKeys(campaignId).IssuedInSecond(second);
                commands.Add(batch.StringIncrementAsync(key, count));
                commands.Add(batch.KeyExpireAsync(key, History + FlushInterval * 10));
            }
            batch.Execute();
            await Task.WhenAll(commands);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Statistics are best effort; the issue path does not depend on them.
            Logger.LogWarning(e, "Flushing issue statistics to Redis failed");
        }
    }
}
