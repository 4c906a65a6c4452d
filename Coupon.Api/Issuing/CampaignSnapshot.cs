using Coupon.Core.Contracts;
using Coupon.Core.Data;

namespace Coupon.Api.Issuing;

// An immutable copy of a campaign row, as the in-process cache holds it. IssuedQuantity is the
// rows persisted when it was read: Redis holding fewer winners than that has lost some.
public sealed record CampaignSnapshot(
    long Id,
    string Title,
    int? TotalQuantity,
    decimal DiscountAmount,
    decimal MinOrderAmount,
    DateTime IssueStart,
    DateTime IssueEnd,
    int IssuedQuantity)
{
    public static CampaignSnapshot From(Campaign campaign) =>
        new(campaign.Id, campaign.Title, campaign.TotalQuantity, campaign.DiscountAmount, campaign.MinOrderAmount,
            campaign.IssueStart, campaign.IssueEnd, campaign.IssuedQuantity);

    public long? Remaining(long accepted) => TotalQuantity is { } total ? Math.Max(0, total - accepted) : null;

    public CampaignState State(DateTime now, long accepted) =>
        now < IssueStart ? CampaignState.Scheduled
        : now >= IssueEnd ? CampaignState.Closed
        : accepted >= TotalQuantity ? CampaignState.SoldOut
        : CampaignState.Open;

    public PublicCampaign ToPublic(DateTime now, long accepted) =>
        new(Id, Title, DiscountAmount, MinOrderAmount, TotalQuantity, Remaining(accepted),
            AsUtc(IssueStart), AsUtc(IssueEnd), State(now, accepted));

    public static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
