using Coupon.Core.Auth;
using Microsoft.AspNetCore.Authorization;

namespace Coupon.Api.Infrastructure;

public static class AuthorizationPolicies
{
    // A user: a bearer token of the users' key whose `sub` is a positive 64-bit integer.
    public const string User = "user";

    // An operator: a bearer token of the operators' key (all of which carry the coupon-operator role).
    public const string Operator = "operator";

    public static AuthorizationBuilder AddCouponPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(User, policy => policy.RequireAuthenticatedUser().RequireAssertion(context =>
            !context.User.IsInRole(TokenSigning.OperatorRole) && context.User.TryGetUserId(out _)))
        .AddPolicy(Operator, policy => policy.RequireAuthenticatedUser().RequireRole(TokenSigning.OperatorRole));
}
