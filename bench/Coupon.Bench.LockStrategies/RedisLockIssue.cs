using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using Confluent.Kafka;
using StackExchange.Redis;

namespace Coupon.Bench.LockStrategies;

// The origin's second design: a distributed lock per campaign (SET NX PX, released only by its
// owner), and under it separate round trips to check the winners and the count and to add the
// user; then the same Kafka publish as the real path. What the Lua script does in one atomic
// step takes here a lock, three commands and an unlock, one request at a time per campaign.
internal sealed class RedisLockIssue(
    IConnectionMultiplexer redis,
    CampaignCache campaigns,
    IssuedEventPublisher publisher,
    TimeProvider time) : IComparisonIssue
{
    public const string Name = "redis-lock";

    private const string ReleaseScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

    // The lease outlives any sane holder; the wait gives up with a 503 rather than queue forever.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(1);

    public async Task<ComparisonOutcome> IssueAsync(long campaignId, long userId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken);
        if (campaign is null)
            return ProblemCodes.CouponNotFound;
        var now = time.GetUtcNow();
        if (IComparisonIssue.OutsideWindow(now, campaign.IssueStart, campaign.IssueEnd) is { } outside)
            return outside;

        var database = redis.GetDatabase();
        var keys = new CampaignKeys(campaignId);
        RedisKey lockKey = $"coupon:{{{campaignId}}}:lock";
        var owner = Guid.NewGuid().ToString("N");
        if (!await AcquireAsync(database, lockKey, owner, cancellationToken))
            return ProblemCodes.Unavailable;

        var acceptedAtMs = now.ToUnixTimeMilliseconds();
        try
        {
            if (await database.HashExistsAsync(keys.Winners, userId))
                return ProblemCodes.AlreadyIssued;
            if (campaign.TotalQuantity is { } total && await database.HashLengthAsync(keys.Winners) >= total)
                return ProblemCodes.SoldOut;
            await database.HashSetAsync(keys.Winners, userId, acceptedAtMs);
        }
        finally
        {
            await database.ScriptEvaluateAsync(ReleaseScript, [lockKey], [owner]);
        }

        // As on the real path: only an event Kafka surely did not take is undone.
        var acceptedAt = DateTimeOffset.FromUnixTimeMilliseconds(acceptedAtMs);
        if ((await publisher.PublishAsync([new(new CouponIssuedEvent(campaignId, userId, acceptedAt), default)]))[0] != PersistenceStatus.NotPersisted)
            return ComparisonOutcome.Issued(acceptedAt);
        await database.HashDeleteAsync(keys.Winners, userId);
        return ProblemCodes.Unavailable;
    }

    private static async Task<bool> AcquireAsync(IDatabase database, RedisKey lockKey, string owner, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (!await database.StringSetAsync(lockKey, owner, Lease, When.NotExists))
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(RetryDelay, cancellationToken);
        }
        return true;
    }
}
