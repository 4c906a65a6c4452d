using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using StackExchange.Redis;

namespace Coupon.Api.Campaigns;

// Operator views of campaigns: the MySQL row plus the live accepted (and, before a draw,
// entrants) counts from Redis.
public sealed class CampaignViews(IConnectionMultiplexer redis, TimeProvider time)
{
    public async Task<List<CampaignView>> ToViewsAsync(IReadOnlyList<Campaign> campaigns)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var counts = campaigns.Select(c => (Accepted: batch.HashLengthAsync(new CampaignKeys(c.Id).Winners),
            Entrants: batch.HashLengthAsync(new CampaignKeys(c.Id).Entrants))).ToList();
        batch.Execute();
        await Task.WhenAll(counts.SelectMany(c => (Task[])[c.Accepted, c.Entrants]));
        return [.. campaigns.Select((c, i) => ToView(c, counts[i].Accepted.Result, counts[i].Entrants.Result))];
    }

    public async Task<CampaignView> ToViewAsync(Campaign campaign, long accepted) =>
        ToView(campaign, accepted, CampaignSnapshot.From(campaign).DrawPending
            ? await redis.GetDatabase().HashLengthAsync(new CampaignKeys(campaign.Id).Entrants) : 0);

    public CampaignView ToView(Campaign campaign, long accepted, long entrants = 0)
    {
        var snapshot = CampaignSnapshot.From(campaign);
        return new CampaignView(campaign.Id, campaign.Title, campaign.TotalQuantity, campaign.DiscountAmount,
            campaign.MinOrderAmount, CampaignSnapshot.AsUtc(campaign.IssueStart), CampaignSnapshot.AsUtc(campaign.IssueEnd),
            snapshot.State(time.GetUtcNow().UtcDateTime, accepted), accepted, campaign.IssuedQuantity,
            snapshot.Remaining(accepted), CampaignSnapshot.AsUtc(campaign.CreatedAt), CampaignSnapshot.AsUtc(campaign.UpdatedAt),
            campaign.Version, campaign.OpeningMode, snapshot.Draw(entrants));
    }
}
