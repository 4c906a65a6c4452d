namespace Coupon.Tests.Admin;

// A clock the test moves by hand (lockouts, token reuse).
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
