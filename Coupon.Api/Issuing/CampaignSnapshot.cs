using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Drawing;

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
    int IssuedQuantity,
    OpeningMode OpeningMode = OpeningMode.FirstCome,
    int? DrawWindowSeconds = null,
    string? DrawSeed = null,
    DateTime? DrawnAt = null,
    int? DrawEntrants = null,
    int? DrawWinners = null)
{
    public static CampaignSnapshot From(Campaign campaign) =>
        new(campaign.Id, campaign.Title, campaign.TotalQuantity, campaign.DiscountAmount, campaign.MinOrderAmount,
            campaign.IssueStart, campaign.IssueEnd, campaign.IssuedQuantity, campaign.OpeningMode, campaign.DrawWindowSeconds,
            campaign.DrawSeed, campaign.DrawnAt, campaign.DrawEntrants, campaign.DrawWinners);

    // A draw not made yet: its entrants are counted in Redis.
    public bool DrawPending => OpeningMode == OpeningMode.Draw && DrawnAt is null;

    // The seed only once the draw is made; the entrants it found then, or `entrants` (Redis's) before.
    public CampaignDraw? Draw(long entrants) =>
        OpeningMode != OpeningMode.Draw || DrawWindowSeconds is not { } window || DrawSeed is null ? null
        : new CampaignDraw(window, AsUtc(IssueStart.AddSeconds(window)), DrawAlgorithm.Hash(DrawSeed),
            DrawnAt is null ? null : DrawSeed, DrawnAt is { } drawn ? AsUtc(drawn) : null,
            DrawEntrants ?? entrants, DrawWinners);

    public long? Remaining(long accepted) => TotalQuantity is { } total ? Math.Max(0, total - accepted) : null;

    public CampaignState State(DateTime now, long accepted) =>
        now < IssueStart ? CampaignState.Scheduled
        : now >= IssueEnd ? CampaignState.Closed
        : accepted >= TotalQuantity ? CampaignState.SoldOut
        : CampaignState.Open;

    public PublicCampaign ToPublic(DateTime now, long accepted, long entrants) =>
        new(Id, Title, DiscountAmount, MinOrderAmount, TotalQuantity, Remaining(accepted),
            AsUtc(IssueStart), AsUtc(IssueEnd), State(now, accepted), OpeningMode, Draw(entrants));

    public static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
