using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;

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
        var campaign = new Campaign { Title = request.Title! };
        campaign.Apply(request, now);
        campaign.CreatedAt = now;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(cancellationToken);
        await state.ReplaceAsync(CampaignMeta.From(campaign));
        try
        {
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch
        {
            await state.RemoveAsync(campaign.Id);
            throw;
        }

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
