using Coupon.Core.Contracts;

namespace Coupon.Core.Data;

// A coupon campaign (table `campaigns`). IssuedQuantity is only ever added to by the worker, by
// the rows it actually inserted; Version is bumped by operator edits only, so the two never
// conflict.
public sealed class Campaign
{
    public const string FirstComeFirstServed = "first-come-first-served";

    public long Id { get; set; }
    public required string Title { get; set; }
    public string Type { get; set; } = FirstComeFirstServed;
    public int? TotalQuantity { get; set; }
    public int IssuedQuantity { get; set; }
    public decimal DiscountAmount { get; set; }
    public decimal MinOrderAmount { get; set; }
    public DateTime IssueStart { get; set; }
    public DateTime IssueEnd { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int Version { get; set; }

    // The client's Idempotency-Key of the create that made this row: a retried create finds it.
    public string? IdempotencyKey { get; set; }

    public List<CouponIssue> Issues { get; } = [];

    // The fields an operator sets, shared by create and edit.
    public void Apply(CampaignRequest request, DateTime now)
    {
        Title = request.Title!.Trim();
        TotalQuantity = request.TotalQuantity;
        DiscountAmount = request.DiscountAmount!.Value;
        MinOrderAmount = request.MinOrderAmount!.Value;
        IssueStart = request.IssueStart!.Value.UtcDateTime;
        IssueEnd = request.IssueEnd!.Value.UtcDateTime;
        UpdatedAt = now;
    }
}
