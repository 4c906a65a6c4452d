namespace Coupon.Api.Issuing;

// Redis's clock as the api reads it from the issue script's replies. A request's deadline is
// compared by Redis only, against its own TIME, so a skewed local clock moves no decision; this
// keeps the deadline the intended distance away when the two clocks disagree.
public sealed class RedisClock(TimeProvider time)
{
    // A reply this quick places Redis's TIME within a few ms of the local reading.
    private static readonly TimeSpan QuickReply = TimeSpan.FromMilliseconds(20);

    private long _offsetMs;

    public long Timestamp() => time.GetTimestamp();

    public long DeadlineMs(TimeSpan budget) =>
        time.GetUtcNow().ToUnixTimeMilliseconds() + Volatile.Read(ref _offsetMs) + (long)budget.TotalMilliseconds;

    // `sent`: the timestamp taken when the script was sent.
    public void Observe(long redisNowMs, long sent)
    {
        var roundTrip = time.GetElapsedTime(sent);
        if (roundTrip <= QuickReply)
            Volatile.Write(ref _offsetMs, redisNowMs - time.GetUtcNow().ToUnixTimeMilliseconds() + (long)(roundTrip.TotalMilliseconds / 2));
    }
}
