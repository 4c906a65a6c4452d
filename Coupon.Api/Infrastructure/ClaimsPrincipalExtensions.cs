using System.Globalization;
using System.Security.Claims;

namespace Coupon.Api.Infrastructure;

public static class ClaimsPrincipalExtensions
{
    // The user id is the token's `sub`, a positive 64-bit integer (JwtBearer maps `sub` to NameIdentifier).
    public static bool TryGetUserId(this ClaimsPrincipal principal, out long userId) =>
        long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out userId)
        && userId > 0;

    public static long GetUserId(this ClaimsPrincipal principal) =>
        principal.TryGetUserId(out var userId) ? userId : throw new InvalidOperationException("The caller has no user id.");
}
