using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupon.Api.Issuing;

// GET /api/coupons/{id}: public campaign info with its live state.
public static class GetCampaign
{
    public static async Task<Results<Ok<PublicCampaign>, ProblemHttpResult>> Handle(
        long id, CampaignCache campaigns, CampaignRedisState state, TimeProvider time, CancellationToken cancellationToken)
    {
        if (id <= 0 || await campaigns.GetAsync(id, cancellationToken) is not { } campaign)
            return ApiProblems.NotFound(id);
        var accepted = await state.AcceptedAsync(id);
        var entrants = campaign.DrawPending ? await state.EntrantsAsync(id) : 0;
        return TypedResults.Ok(campaign.ToPublic(time.GetUtcNow().UtcDateTime, accepted, entrants));
    }
}
