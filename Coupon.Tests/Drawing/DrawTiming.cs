using Coupon.Core.Contracts;
using Coupon.Tests.Issuing;

namespace Coupon.Tests.Drawing;

public static class DrawTiming
{
    // DrawGrace (5 s) after the window, a round (1 s), the drain and the api's cache refresh.
    public static readonly TimeSpan DrawTimeout = TimeSpan.FromSeconds(60);

    // The public campaign once its draw is made and published.
    public static Task<PublicCampaign> DrawnAsync(IssuingClient api, long campaignId) =>
        Poll.UntilAsync(() => api.CampaignAsync(campaignId), campaign => campaign.Draw?.Seed is not null, DrawTimeout);
}
