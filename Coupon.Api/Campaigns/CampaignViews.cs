using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using StackExchange.Redis;

namespace Coupon.Api.Campaigns;

// Operator views of campaigns: the MySQL row plus the live accepted count from Redis.
public sealed class CampaignViews(IConnectionMultiplexer redis, TimeProvider time)
{
    public async Task<List<CampaignView>> ToViewsAsync(IReadOnlyList<Campaign> campaigns)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var counts = campaigns.Select(c => batch.HashLengthAsync(new CampaignKeys(c.Id).Winners)).ToList();
        batch.Execute();
        var accepted = await Task.WhenAll(counts);
        return [.. campaigns.Select((c, i) => ToView(c, accepted[i]))];
    }

    public CampaignView ToView(Campaign campaign, long accepted)
    {
        var snapshot = CampaignSnapshot.From(campaign);
        return new CampaignView(campaign.Id, campaign.Title, campaign.TotalQuantity, campaign.DiscountAmount,
            campaign.MinOrderAmount, CampaignSnapshot.AsUtc(campaign.IssueStart), CampaignSnapshot.AsUtc(campaign.IssueEnd),
            snapshot.State(time.GetUtcNow().UtcDateTime, accepted), accepted, campaign.IssuedQuantity,
            snapshot.Remaining(accepted), CampaignSnapshot.AsUtc(campaign.CreatedAt), CampaignSnapshot.AsUtc(campaign.UpdatedAt),
            campaign.Version);
    }
}
