namespace Coupon.Core.Data;

// An acceptance the api answered without a 202 but could not take back from Redis at the time
// (table `winner_withdrawals`): the reconciler removes it from Redis instead of re-publishing it,
// so a 503 never becomes a row. RequestId names the request whose script may have recorded it;
// a winner recorded by another request of the same user is not touched.
public sealed class WinnerWithdrawal
{
    public long Id { get; set; }
    public long CampaignId { get; set; }
    public long UserId { get; set; }
    public long RequestId { get; set; }
    public DateTime RecordedAt { get; set; }
}
