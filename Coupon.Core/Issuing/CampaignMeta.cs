using Coupon.Core.Data;

namespace Coupon.Core.Issuing;

// What the issue script needs to know about a campaign; lives in the `coupon:{id}:meta` hash.
// Version is the MySQL row's: the worker compares the two to find a copy an edit left stale.
// DrawAt is set while a draw is to be made: requests before it enter the draw, after it wait for
// the draw; once it is made the campaign is first come, first served for the rest of its window.
public sealed record CampaignMeta(long CampaignId, int? TotalQuantity, DateTime IssueStart, DateTime IssueEnd, int Version, DateTime? DrawAt = null)
{
    public const long Unlimited = -1;

    public static CampaignMeta From(Campaign campaign) =>
        new(campaign.Id, campaign.TotalQuantity, campaign.IssueStart, campaign.IssueEnd, campaign.Version,
            campaign.DrawnAt is null ? campaign.DrawAt : null);

    internal long Total => TotalQuantity ?? Unlimited;
    internal long StartMs => UnixMs(IssueStart);
    internal long EndMs => UnixMs(IssueEnd);
    // 0: no draw to make.
    internal long DrawMs => DrawAt is { } at ? UnixMs(at) : 0;

    private static long UnixMs(DateTime value) => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
