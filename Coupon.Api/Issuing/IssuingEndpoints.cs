using Coupon.Api.Infrastructure;

namespace Coupon.Api.Issuing;

public static class IssuingEndpoints
{
    public static RouteGroupBuilder MapIssuing(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/coupons").WithTags("Issuing");

        group.MapGet("/{id}", GetCampaign.Handle).AllowAnonymous()
            .RequireRateLimiting(AnonymousRateLimit.Policy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("GetCampaign");
        group.MapPost("/{id}/issue", IssueCoupon.Handle)
            .RequireAuthorization(AuthorizationPolicies.User)
            .WithMetadata(PublicRejections.Step)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .WithName("IssueCoupon");
        group.MapGet("/{id}/issue", GetIssueStatus.Handle)
            .RequireAuthorization(AuthorizationPolicies.User)
            .WithName("GetIssueStatus");

        return group;
    }
}
