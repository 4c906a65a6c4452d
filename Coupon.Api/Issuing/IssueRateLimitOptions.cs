namespace Coupon.Api.Issuing;

// Per-user limit on the issue endpoint: at most PermitLimit requests in each fixed Window.
public sealed class IssueRateLimitOptions
{
    public const string Section = "Issuing:RateLimit";

    public int PermitLimit { get; set; } = 10;
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);
}
