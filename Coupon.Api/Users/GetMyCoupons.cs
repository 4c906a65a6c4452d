using System.Security.Claims;
using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Users;

// GET /api/users/me/coupons: what MySQL holds for the caller, newest first.
public static class GetMyCoupons
{
    public static async Task<Ok<List<UserCoupon>>> Handle(ClaimsPrincipal user, CouponDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.GetUserId();
        var rows = await db.Issues.AsNoTracking()
            .Where(i => i.UserId == userId)
            .OrderByDescending(i => i.IssuedAt)
            .Select(i => new { i.CampaignId, i.Campaign!.Title, i.Campaign.DiscountAmount, i.Campaign.MinOrderAmount, i.IssuedAt, i.UsedAt })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => new UserCoupon(r.CampaignId, r.Title, r.DiscountAmount, r.MinOrderAmount,
            CampaignSnapshot.AsUtc(r.IssuedAt), r.UsedAt is { } used ? CampaignSnapshot.AsUtc(used) : null)).ToList());
    }
}
