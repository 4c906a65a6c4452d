using Coupon.Api.Infrastructure;

namespace Coupon.Api.Issuing;

public static class IssuingEndpoints
{
    private const string DrawDescription =
        "First come (the default opening): 202 with status pending once the coupon is yours; 409 already-issued, sold-out, " +
        "not-open-yet or closed. A campaign opened as a draw: during its first drawWindowSeconds a request enters the draw " +
        "instead (202 with status entered; 409 already-entered), 503 drawing between the window's end and the draw, which " +
        "the worker makes a few seconds later: min(quantity, entrants) winners drawn uniformly from the seed published with " +
        "the campaign, each a coupon like a first-come one. What the draw leaves is first come for the rest of the window. " +
        "504 outcome-unknown: the api could not learn in time whether the request was recorded; GET this path tells.";

    public static RouteGroupBuilder MapIssuing(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/coupons").WithTags("Issuing");

        group.MapGet("/{id}", GetCampaign.Handle).AllowAnonymous()
            .RequireRateLimiting(AnonymousRateLimit.Policy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("A campaign as anyone may see it")
            .WithDescription("Its window, state and, for a draw, the draw: the seed's SHA-256 hash from its creation, the seed, " +
                "the entrant count and the winners once the draw is made (see the README's \"Auditing a draw\").")
            .WithName("GetCampaign");
        group.MapPost("/{id}/issue", IssueCoupon.Handle)
            .RequireAuthorization(AuthorizationPolicies.User)
            .WithMetadata(PublicRejections.Step)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .WithSummary("Ask for the campaign's coupon")
            .WithDescription(DrawDescription)
            .WithName("IssueCoupon");
        group.MapGet("/{id}/issue", GetIssueStatus.Handle)
            .RequireAuthorization(AuthorizationPolicies.User)
            .WithSummary("The caller's status in the campaign")
            .WithDescription("none, pending (accepted, being recorded) or issued; in a draw, entered until the draw is made, then issued or not-drawn.")
            .WithName("GetIssueStatus");

        return group;
    }
}
