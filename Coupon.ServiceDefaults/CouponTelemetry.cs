namespace Microsoft.Extensions.Hosting;

// Names of the meters and activity sources our own code emits; AddServiceDefaults subscribes to them.
public static class CouponTelemetry
{
    public const string Issuing = "Coupon.Issuing";
    public const string Persisting = "Coupon.Persisting";
    public const string Reconciling = "Coupon.Reconciling";
    public const string Messaging = "Coupon.Messaging";
    // Background rounds that did work, failed or were slow (BackgroundRound).
    public const string Background = "Coupon.Background";

    public static readonly string[] MeterNames = [Issuing, Persisting, Reconciling, Messaging];
    public static readonly string[] ActivitySourceNames = [Issuing, Persisting, Reconciling, Messaging, Background];
}
