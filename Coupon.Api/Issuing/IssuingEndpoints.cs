using Coupon.Api.Infrastructure;

namespace Coupon.Api.Issuing;

public static class IssuingEndpoints
{
    public const string RateLimitPolicy = "issue";

    public static RouteGroupBuilder MapIssuing(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/coupons").WithTags("Issuing");

        group.MapGet("/{id}", GetCampaign.Handle).AllowAnonymous().WithName("GetCampaign");
        group.MapPost("/{id}/issue", IssueCoupon.Handle)
            .RequireAuthorization(AuthorizationPolicies.User)
            .RequireRateLimiting(RateLimitPolicy)
            .WithName("IssueCoupon");
        group.MapGet("/{id}/issue", GetIssueStatus.Handle)
            .RequireAuthorization(AuthorizationPolicies.User)
            .WithName("GetIssueStatus");

        return group;
    }
}
