using System.Diagnostics;
using System.Globalization;

namespace Coupon.Api.Issuing;

// The issue path's first step (IssueCoupon). Sold out, closed and not open yet are public
// (GET /api/coupons/{id} tells anyone), so an issue request for a campaign the cache holds in
// such a state is answered before its token is verified: in a flash sale most requests come after
// the last coupon went, and verifying their RS256 signatures was most of what answering them
// cost. Anything else, an id the cache does not hold included, goes on to authentication and the
// endpoint. The issue endpoint carries Step as its metadata.
public sealed class PublicRejections(RequestDelegate next, CampaignCache campaigns, IssueOutcomes outcomes)
{
    public static readonly object Step = new PublicRejectionsStep();

    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        if (context.GetEndpoint()?.Metadata.GetMetadata<PublicRejectionsStep>() is null
            || !long.TryParse(context.Request.RouteValues["id"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || campaigns.PublicRejection(id) is not { } code)
        {
            return next(context);
        }

        outcomes.Record(id, campaignExists: true, code, started);
        return IssueCoupon.Rejected(code, id).ExecuteAsync(context);
    }

    private sealed class PublicRejectionsStep;
}
