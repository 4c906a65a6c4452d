using Coupon.Api.Infrastructure;

namespace Coupon.Api.Users;

public static class UserEndpoints
{
    public static RouteGroupBuilder MapUsers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/users/me").WithTags("Users").RequireAuthorization(AuthorizationPolicies.User);

        group.MapGet("/coupons", GetMyCoupons.Handle).WithName("GetMyCoupons");

        return group;
    }
}
