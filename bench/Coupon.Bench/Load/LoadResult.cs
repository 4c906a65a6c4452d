namespace Coupon.Bench.Load;

// UsersTaken: how many users of the plan's range were used (the next run may start after them).
public sealed record LoadResult(
    string Name,
    TimeSpan Elapsed,
    LatencyHistogram Latency,
    IReadOnlyDictionary<int, long> Statuses,
    long SocketErrors,
    long UnexpectedStatuses,
    IReadOnlyList<AcceptedRequest> Accepted,
    IReadOnlyList<long> UnknownOutcome,
    TimeSpan GeneratorCpu,
    long UsersTaken)
{
    public long Requests => Latency.Count;

    public long Errors => SocketErrors + UnexpectedStatuses;

    public double RequestsPerSecond => Elapsed.TotalSeconds > 0 ? Requests / Elapsed.TotalSeconds : 0;

    // Share of one core's time the load generator's process used during the run (1.0 = one core).
    public double GeneratorCores => Elapsed.TotalSeconds > 0 ? GeneratorCpu.TotalSeconds / Elapsed.TotalSeconds : 0;

    public long StatusCount(int status) => Statuses.GetValueOrDefault(status);
}
