using StackExchange.Redis;

namespace Coupon.Core.Issuing;

// Every key of one campaign carries the hash tag {id}, so a Redis Cluster keeps a campaign's keys
// in one slot (scripts and transactions may touch them together) and spreads campaigns over nodes.
public readonly record struct CampaignKeys(long CampaignId)
{
    public const string WorkersKey = "coupon:workers";

    // Hash: total (-1 = unlimited), start and end (unix ms, UTC), version (the MySQL row's), draw
    // (unix ms: the draw to be made then; absent: none).
    // Absent = Redis state lost.
    public RedisKey Meta => $"coupon:{{{CampaignId}}}:meta";

    // Hash: userId -> acceptedAt (unix ms). HLEN is the accepted count.
    public RedisKey Winners => $"coupon:{{{CampaignId}}}:winners";

    // Hash: userId -> enteredAt (unix ms), the entrants of a draw not made yet. HLEN is their count.
    public RedisKey Entrants => $"coupon:{{{CampaignId}}}:entrants";

    // Hash: userId -> the id of the request whose issue script recorded that winner or entrant
    // (absent for those rebuilt from MySQL). Tells this request's acceptance from another's of the
    // same user.
    public RedisKey Requests => $"coupon:{{{CampaignId}}}:requests";

    // String, expiring: the issue script of that request, should it still run, records nothing.
    public RedisKey Voided(long requestId) => $"coupon:{{{CampaignId}}}:voided:{requestId}";

    // Hash: userId -> when the reconciler last re-published that winner (unix ms).
    public RedisKey Reconciled => $"coupon:{{{CampaignId}}}:reconciled";

    // Hash: problem code -> rejections counted by the api.
    public RedisKey Rejections => $"coupon:{{{CampaignId}}}:rejections";

    // String counter of issues accepted in one second (unix seconds), expiring after a while.
    public RedisKey IssuedInSecond(long unixSeconds) => $"coupon:{{{CampaignId}}}:issued:{unixSeconds}";
}
