using Coupon.Api.Infrastructure;

namespace Coupon.Api.Campaigns;

public static class CampaignEndpoints
{
    public static RouteGroupBuilder MapCampaigns(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/admin/coupons").WithTags("Campaigns").RequireAuthorization(AuthorizationPolicies.Operator);

        group.MapPost("/", CreateCampaign.Handle).WithName("CreateCampaign");
        group.MapPut("/{id}", EditCampaign.Handle).WithName("EditCampaign");
        group.MapGet("/", ListCampaigns.Handle).WithName("ListCampaigns");
        group.MapGet("/{id}", GetCampaignView.Handle).WithName("GetCampaignView");
        group.MapGet("/{id}/stats", GetCampaignStats.Handle).WithName("GetCampaignStats");

        return group;
    }
}
