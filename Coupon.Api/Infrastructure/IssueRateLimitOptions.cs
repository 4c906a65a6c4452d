namespace Coupon.Api.Infrastructure;

// Per-user limit on the issue endpoint (fixed window).
public sealed class IssueRateLimitOptions
{
    public const string Section = "Issuing:RateLimit";

    public int PermitLimit { get; set; } = 10;
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);
}
