using System.Globalization;
using System.Threading.RateLimiting;

namespace Coupon.Api.Infrastructure;

// The per-client limit of what anyone may call without a token (GET /api/coupons/{id}): fixed
// windows of requests per client address (as forwarded by a configured proxy:
// ForwardedClientAddress), 429 + Retry-After past it. Users' issue requests have their own limit
// per user (IssueRateLimit).
public static class AnonymousRateLimit
{
    public const string Policy = "anonymous";
    private const string Section = "Api:AnonymousRateLimit";

    public static void AddAnonymousRateLimit(this IHostApplicationBuilder builder)
    {
        var permits = builder.Configuration.GetValue($"{Section}:PermitLimit", 100);
        var window = builder.Configuration.GetValue($"{Section}:Window", TimeSpan.FromSeconds(1));
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter =
                        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                return ValueTask.CompletedTask;
            };
            options.AddPolicy(Policy, http => RateLimitPartition.GetFixedWindowLimiter(
                ForwardedClientAddress.ClientOf(http.Connection.RemoteIpAddress),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window }));
        });
    }
}
