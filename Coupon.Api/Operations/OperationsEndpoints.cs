using Coupon.Api.Infrastructure;

namespace Coupon.Api.Operations;

public static class OperationsEndpoints
{
    public static RouteGroupBuilder MapOperations(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/admin").WithTags("Operations").RequireAuthorization(AuthorizationPolicies.Operator);

        group.MapGet("/system", GetSystemStatus.Handle).WithName("GetSystemStatus");

        return group;
    }
}
