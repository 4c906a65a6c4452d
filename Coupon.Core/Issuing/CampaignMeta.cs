using Coupon.Core.Data;

namespace Coupon.Core.Issuing;

// What the issue script needs to know about a campaign; lives in the `coupon:{id}:meta` hash.
// Version is the MySQL row's: the worker compares the two to find a copy an edit left stale.
public sealed record CampaignMeta(long CampaignId, int? TotalQuantity, DateTime IssueStart, DateTime IssueEnd, int Version)
{
    public const long Unlimited = -1;

    public static CampaignMeta From(Campaign campaign) =>
        new(campaign.Id, campaign.TotalQuantity, campaign.IssueStart, campaign.IssueEnd, campaign.Version);

    internal long Total => TotalQuantity ?? Unlimited;
    internal long StartMs => new DateTimeOffset(DateTime.SpecifyKind(IssueStart, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
    internal long EndMs => new DateTimeOffset(DateTime.SpecifyKind(IssueEnd, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
