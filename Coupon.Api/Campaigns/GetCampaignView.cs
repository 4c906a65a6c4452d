using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Campaigns;

// GET /api/admin/coupons/{id}: one campaign with its live count, and its version as the ETag an
// edit's If-Match names.
public static class GetCampaignView
{
    public static async Task<Results<Ok<CampaignView>, ProblemHttpResult>> Handle(
        long id, HttpContext httpContext, CouponDbContext db, CampaignViews views, CampaignRedisState state, CancellationToken cancellationToken)
    {
        var campaign = id > 0 ? await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken) : null;
        if (campaign is null)
            return ApiProblems.NotFound(id);
        var view = await views.ToViewAsync(campaign, await state.AcceptedAsync(id));
        CampaignETag.Set(httpContext.Response, campaign.Version);
        return TypedResults.Ok(view);
    }
}
