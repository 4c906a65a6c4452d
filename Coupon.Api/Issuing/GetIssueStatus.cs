using System.Security.Claims;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Issuing;

// GET /api/coupons/{id}/issue: issued (a row in MySQL), pending (accepted in Redis, not yet
// persisted) or none; in a draw, entered (an entry in MySQL or Redis) until the draw, then
// not-drawn for an entrant it did not pick.
public static class GetIssueStatus
{
    public static async Task<Results<Ok<IssueStatus>, ProblemHttpResult>> Handle(
        long id, ClaimsPrincipal user, CampaignCache campaigns, CampaignRedisState state, CouponDbContext db,
        CancellationToken cancellationToken)
    {
        if (id <= 0 || await campaigns.GetAsync(id, cancellationToken) is not { } campaign)
            return ApiProblems.NotFound(id);
        var userId = user.GetUserId();

        var issuedAt = await db.Issues.AsNoTracking()
            .Where(i => i.CampaignId == id && i.UserId == userId)
            .Select(i => (DateTime?)i.IssuedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (issuedAt is { } persisted)
            return TypedResults.Ok(new IssueStatus(id, IssueStatus.Issued, CampaignSnapshot.AsUtc(persisted)));

        if (campaign.OpeningMode == OpeningMode.Draw && await EntryAsync(id, userId, state, db, cancellationToken) is { } entry)
            return TypedResults.Ok(entry);

        return await state.AcceptedAtAsync(id, userId) is { } acceptedAt
            ? TypedResults.Ok(new IssueStatus(id, IssueStatus.Pending, acceptedAt))
            : TypedResults.Ok(new IssueStatus(id, IssueStatus.None, null));
    }

    // The campaign's row says whether the draw is made (the cached copy may be a moment behind).
    private static async Task<IssueStatus?> EntryAsync(long id, long userId, CampaignRedisState state, CouponDbContext db, CancellationToken cancellationToken)
    {
        var entered = await db.DrawEntries.AsNoTracking()
            .Where(e => e.CampaignId == id && e.UserId == userId)
            .Select(e => (DateTime?)e.EnteredAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (entered is { } persisted)
        {
            var drawn = await db.Campaigns.AsNoTracking().Where(c => c.Id == id).Select(c => c.DrawnAt).FirstOrDefaultAsync(cancellationToken);
            return new IssueStatus(id, drawn is null ? IssueStatus.Entered : IssueStatus.NotDrawn, CampaignSnapshot.AsUtc(persisted));
        }
        return await state.EnteredAtAsync(id, userId) is { } enteredAt ? new IssueStatus(id, IssueStatus.Entered, enteredAt) : null;
    }
}
