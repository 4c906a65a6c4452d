using System.Globalization;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Campaigns;

// GET /api/admin/coupons?limit=&before=: newest first, one page, with live counts. The cursor is
// an id, so a page stays right while campaigns are created.
public static class ListCampaigns
{
    public static async Task<Results<Ok<CampaignPage>, ValidationProblem>> Handle(
        [FromQuery] string? limit, [FromQuery] string? before, CouponDbContext db, CampaignViews views, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var pageSize = CampaignPage.DefaultLimit;
        if (limit is not null && !(int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize)
            && pageSize is >= 1 and <= CampaignPage.MaxLimit))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {CampaignPage.MaxLimit}."];
        }
        var cursor = long.MaxValue;
        if (before is not null && !(long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out cursor) && cursor > 0))
            errors["before"] = ["before must be a campaign id: the `next` of the previous page."];
        if (errors.Count > 0)
            return ApiProblems.Invalid(errors);

        // One more than the page tells whether another page follows.
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.Id < cursor)
            .OrderByDescending(c => c.Id).Take(pageSize + 1).ToListAsync(cancellationToken);
        var page = campaigns.Take(pageSize).ToList();
        return TypedResults.Ok(new CampaignPage(await views.ToViewsAsync(page), campaigns.Count > pageSize ? page[^1].Id : null));
    }
}
