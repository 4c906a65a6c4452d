using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Campaigns;

// PUT /api/admin/coupons/{id}. The row changes in a transaction; the Redis meta changes by a
// script that also refuses a quantity below the accepted count, atomically with issuing; the
// transaction commits only when Redis took the edit.
public static class EditCampaign
{
    public static async Task<Results<Ok<CampaignView>, ValidationProblem, ProblemHttpResult>> Handle(
        long id, CampaignRequest request, HttpContext httpContext, CouponDbContext db, CampaignRedisState state,
        CampaignCache cache, CampaignViews views, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = CampaignRules.Validate(request);
        if (errors.Count > 0)
            return ApiProblems.Invalid(errors);

        // Through the execution strategy: a retrying one reruns the whole unit, Redis update included
        // (it is idempotent). The api's answers 503 at the first error instead (Extensions.cs).
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(
            ct => EditAsync(id, request, httpContext, db, state, cache, views, time, ct), cancellationToken);
    }

    private static async Task<Results<Ok<CampaignView>, ValidationProblem, ProblemHttpResult>> EditAsync(
        long id, CampaignRequest request, HttpContext httpContext, CouponDbContext db, CampaignRedisState state,
        CampaignCache cache, CampaignViews views, TimeProvider time, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var campaign = id > 0 ? await db.Campaigns.FirstOrDefaultAsync(c => c.Id == id, cancellationToken) : null;
        if (campaign is null)
            return ApiProblems.NotFound(id);

        var before = CampaignMeta.From(campaign);
        campaign.Apply(request, time.GetUtcNow().UtcDateTime);
        campaign.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblems.Conflict(ProblemCodes.EditConflict, "Edited meanwhile",
                $"Coupon {id} was changed by someone else; reload it and edit again.");
        }

        var (result, accepted) = await state.UpdateAsync(CampaignMeta.From(campaign));
        switch (result)
        {
            case MetaUpdate.BelowAccepted:
                return ApiProblems.Invalid(new Dictionary<string, string[]>
                {
                    ["totalQuantity"] = [$"Total quantity cannot be below the {accepted} coupons already accepted."],
                }, ProblemCodes.QuantityBelowAccepted);
            case MetaUpdate.Lost:
                return ApiProblems.Unavailable(httpContext, "This campaign is being restored; edit it again shortly.");
        }

        try
        {
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch
        {
            await state.UpdateAsync(before);
            throw;
        }

        cache.Set(campaign);
        return TypedResults.Ok(views.ToView(campaign, accepted));
    }
}
