namespace Coupon.Core.Data;

// An acceptance the api answered without a 202 but could not take back from Redis at the time
// (table `winner_withdrawals`): the reconciler removes it from Redis instead of re-publishing it,
// so a 503 never becomes a row. The window (unix ms) is when the issue script may have run.
public sealed class WinnerWithdrawal
{
    public long Id { get; set; }
    public long CouponId { get; set; }
    public long UserId { get; set; }
    public long NotBeforeMs { get; set; }
    public long NotAfterMs { get; set; }
    public DateTime RecordedAt { get; set; }
}
