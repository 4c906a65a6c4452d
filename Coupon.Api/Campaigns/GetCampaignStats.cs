using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Campaigns;

// GET /api/admin/coupons/{id}/stats: accepted (Redis), persisted (MySQL rows), remaining,
// rejections by code and issues per second.
public static class GetCampaignStats
{
    // IssuesPerSecond averages this many of the latest complete seconds.
    private const int RateWindowSeconds = 10;

    public static async Task<Results<Ok<CampaignStats>, ProblemHttpResult>> Handle(
        long id, CouponDbContext db, CampaignRedisState state, IssueStatistics statistics, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var campaign = id > 0 ? await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken) : null;
        if (campaign is null)
            return ApiProblems.NotFound(id);

        var persisted = await db.Issues.LongCountAsync(i => i.CampaignId == id, cancellationToken);
        var accepted = await state.AcceptedAsync(id);
        var rejections = await statistics.RejectionsAsync(id);
        var recent = await statistics.RecentAsync(id);
        var snapshot = CampaignSnapshot.From(campaign);
        var entrants = snapshot.DrawPending ? await state.EntrantsAsync(id) : 0;

        return TypedResults.Ok(new CampaignStats(
            id,
            snapshot.State(time.GetUtcNow().UtcDateTime, accepted),
            campaign.TotalQuantity,
            accepted,
            persisted,
            snapshot.Remaining(accepted),
            rejections,
            recent.TakeLast(RateWindowSeconds).Sum(p => p.Issued) / (double)RateWindowSeconds,
            [.. recent.Select(p => new IssueRatePoint(p.At, p.Issued))],
            CampaignSnapshot.AsUtc(campaign.IssueStart),
            CampaignSnapshot.AsUtc(campaign.IssueEnd),
            campaign.OpeningMode,
            snapshot.Draw(entrants)));
    }
}
