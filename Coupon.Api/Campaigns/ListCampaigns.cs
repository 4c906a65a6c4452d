using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Campaigns;

// GET /api/admin/coupons (newest first) and GET /api/admin/coupons/{id}, with live counts.
public static class ListCampaigns
{
    public static async Task<Ok<List<CampaignView>>> Handle(CouponDbContext db, CampaignViews views, CancellationToken cancellationToken)
    {
        var campaigns = await db.Campaigns.AsNoTracking().OrderByDescending(c => c.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(await views.ToViewsAsync(campaigns));
    }

    public static async Task<Results<Ok<CampaignView>, ProblemHttpResult>> HandleOne(
        long id, CouponDbContext db, CampaignViews views, CampaignRedisState state, CancellationToken cancellationToken)
    {
        var campaign = id > 0 ? await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken) : null;
        if (campaign is null)
            return ApiProblems.NotFound(id);
        return TypedResults.Ok(views.ToView(campaign, await state.AcceptedAsync(id)));
    }
}
