using Coupon.Api.Infrastructure;

namespace Coupon.Api.Campaigns;

public static class CampaignEndpoints
{
    public static RouteGroupBuilder MapCampaigns(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/admin/coupons").WithTags("Campaigns").RequireAuthorization(AuthorizationPolicies.Operator);

        group.MapPost("/", CreateCampaign.Handle)
            .WithSummary("Create a campaign")
            .WithDescription("openingMode first-come (the default) or draw with drawWindowSeconds 1 to 600 (a draw needs a " +
                "totalQuantity, and its window lies within the issue window). Every campaign commits to a draw seed when created: " +
                "its SHA-256 hash is public from then on, the seed once the draw is made.")
            .WithName("CreateCampaign");
        group.MapPut("/{id}", EditCampaign.Handle)
            .WithSummary("Edit a campaign")
            .WithDescription("With If-Match: the version loaded (412 edit-conflict otherwise). The opening mode, the draw window and " +
                "a draw's issue start can change only until the issue window opens (409 opening-locked after).")
            .WithName("EditCampaign");
        group.MapGet("/", ListCampaigns.Handle).WithName("ListCampaigns");
        group.MapGet("/{id}", GetCampaignView.Handle).WithName("GetCampaignView");
        group.MapGet("/{id}/stats", GetCampaignStats.Handle).WithName("GetCampaignStats");

        return group;
    }
}
