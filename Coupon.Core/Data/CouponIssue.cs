namespace Coupon.Core.Data;

// One coupon issued to one user (table `coupon_issues`); UNIQUE(campaign_id, user_id) is what
// makes the worker's inserts idempotent.
public sealed class CouponIssue
{
    public long Id { get; set; }
    public long CampaignId { get; set; }
    public long UserId { get; set; }
    public DateTime IssuedAt { get; set; }
    public DateTime? UsedAt { get; set; }

    public Campaign? Campaign { get; set; }
}
