using System.Security.Claims;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Issuing;

// GET /api/coupons/{id}/issue: issued (a row in MySQL), pending (accepted in Redis, not yet
// persisted) or none.
public static class GetIssueStatus
{
    public static async Task<Results<Ok<IssueStatus>, ProblemHttpResult>> Handle(
        long id, ClaimsPrincipal user, CampaignCache campaigns, CampaignRedisState state, CouponDbContext db,
        CancellationToken cancellationToken)
    {
        if (id <= 0 || await campaigns.GetAsync(id, cancellationToken) is null)
            return ApiProblems.NotFound(id);
        var userId = user.GetUserId();

        var issuedAt = await db.Issues.AsNoTracking()
            .Where(i => i.CampaignId == id && i.UserId == userId)
            .Select(i => (DateTime?)i.IssuedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (issuedAt is { } persisted)
            return TypedResults.Ok(new IssueStatus(id, IssueStatus.Issued, CampaignSnapshot.AsUtc(persisted)));

        return await state.AcceptedAtAsync(id, userId) is { } acceptedAt
            ? TypedResults.Ok(new IssueStatus(id, IssueStatus.Pending, acceptedAt))
            : TypedResults.Ok(new IssueStatus(id, IssueStatus.None, null));
    }
}
