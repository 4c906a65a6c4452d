using Coupon.Core.Contracts;

namespace Coupon.Core.Data;

// A coupon campaign (table `campaigns`). IssuedQuantity is only ever added to by the worker, by
// the rows it actually inserted; Version is bumped by operator edits only, so the two never
// conflict.
public sealed class Campaign
{
    public long Id { get; set; }
    public required string Title { get; set; }
    public OpeningMode OpeningMode { get; set; }
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

    // A draw: its window, the seed committed to at creation (its hash is public from then on, the
    // seed itself once DrawnAt is set), and what the draw found and gave.
    public int? DrawWindowSeconds { get; set; }
    public string? DrawSeed { get; set; }
    public DateTime? DrawnAt { get; set; }
    public int? DrawEntrants { get; set; }
    public int? DrawWinners { get; set; }

    // When a draw campaign's entering ends and its draw is due; null for first come.
    public DateTime? DrawAt => OpeningMode == OpeningMode.Draw && DrawWindowSeconds is { } window
        ? IssueStart.AddSeconds(window) : null;

    // Whether the mode or window may still change: not once the window has opened.
    public bool OpeningChangeable(DateTime now) => now < IssueStart && DrawnAt is null;

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
        OpeningMode = request.OpeningMode ?? OpeningMode.FirstCome;
        DrawWindowSeconds = OpeningMode == OpeningMode.Draw ? request.DrawWindowSeconds : null;
        DrawSeed ??= Drawing.DrawAlgorithm.NewSeed();
        UpdatedAt = now;
    }
}
