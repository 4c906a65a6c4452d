namespace Coupon.Core.Data;

// One user's entry into a campaign's draw (table `draw_entries`), written by the worker from the
// entry's event, like a coupon row from an issue's; the key makes a replayed event harmless.
public sealed class DrawEntry
{
    public long CampaignId { get; set; }
    public long UserId { get; set; }
    public DateTime EnteredAt { get; set; }
}
