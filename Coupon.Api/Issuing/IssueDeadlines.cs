namespace Coupon.Api.Issuing;

// How long an issue request waits on each uncertain step before it decides without it; together
// they keep a request on a hung Redis or MySQL within about two seconds. The Kafka acknowledgement
// is bounded by the producer's delivery timeout (Extensions.cs).
public sealed class IssueDeadlines
{
    public const string Section = "Issuing:Deadlines";

    // The issue script's reply (the api's Redis client times out after it). It is also the
    // script's own deadline in Redis: run later than this, it records nothing.
    public TimeSpan Script { get; set; } = TimeSpan.FromSeconds(1);

    // Reading back a script whose reply was lost, and taking back an acceptance in Redis.
    public TimeSpan ReadBack { get; set; } = TimeSpan.FromMilliseconds(500);

    // Recording in MySQL a withdrawal Redis could not take.
    public TimeSpan Record { get; set; } = TimeSpan.FromMilliseconds(500);
}
