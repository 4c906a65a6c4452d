using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Campaigns;

// POST /api/admin/coupons. The row is inserted in a transaction that commits only after the
// campaign's Redis state is written, so a failure on either side leaves nothing behind.
public static class CreateCampaign
{
    public static async Task<Results<Created<CampaignView>, ValidationProblem>> Handle(
        CampaignRequest request, CouponDbContext db, CampaignRedisState state, CampaignCache cache,
        CampaignViews views, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = CampaignRules.Validate(request);
        if (errors.Count > 0)
            return ApiProblems.Invalid(errors);

        var now = time.GetUtcNow().UtcDateTime;
        // Through the execution strategy: a retrying one reruns the whole unit, Redis write included
        // (it is idempotent). The api's answers 503 at the first error instead (Extensions.cs).
        var campaign = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            var created = new Campaign { Title = request.Title!, CreatedAt = now };
            created.Apply(request, now);

            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            db.Campaigns.Add(created);
            await db.SaveChangesAsync(ct);
            await state.ReplaceAsync(CampaignMeta.From(created));
            try
            {
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch
            {
                await state.RemoveAsync(created.Id);
                throw;
            }
            return created;
        }, cancellationToken);

        cache.Set(campaign);
        return TypedResults.Created($"/api/admin/coupons/{campaign.Id}", views.ToView(campaign, accepted: 0));
    }

    // The fields an operator sets, shared by create and edit.
    public static void Apply(this Campaign campaign, CampaignRequest request, DateTime now)
    {
        campaign.Title = request.Title!.Trim();
        campaign.TotalQuantity = request.TotalQuantity;
        campaign.DiscountAmount = request.DiscountAmount!.Value;
        campaign.MinOrderAmount = request.MinOrderAmount!.Value;
        campaign.IssueStart = request.IssueStart!.Value.UtcDateTime;
        campaign.IssueEnd = request.IssueEnd!.Value.UtcDateTime;
        campaign.UpdatedAt = now;
    }
}
