using System.Net;

namespace Coupon.Bench.Load;

// What one load run sends: POST {Path} with user FirstUser, FirstUser + 1, ... (each request a
// different user unless WrapUsers), on Connections keep-alive connections, until Duration or
// MaxRequests, whichever comes first. TargetRate paces the requests (open loop, absolute
// schedule); without it every connection sends as fast as answers come back.
public sealed record LoadPlan(
    string Name,
    IPEndPoint Target,
    string Path,
    UserPool Users,
    int Connections,
    TimeSpan Duration,
    long MaxRequests = long.MaxValue,
    int FirstUser = 0,
    bool WrapUsers = false,
    double? TargetRate = null,
    IReadOnlySet<int>? ExpectedStatuses = null)
{
    public long Budget => WrapUsers ? MaxRequests : Math.Min(MaxRequests, Users.Count - FirstUser);

    public void Validate()
    {
        // Load goes to this machine only.
        if (!IPAddress.IsLoopback(Target.Address))
            throw new ArgumentException($"Load targets must be loopback addresses, not {Target.Address}.");
        if (Connections < 1)
            throw new ArgumentException("At least one connection is needed.");
        if (FirstUser < 0 || FirstUser >= Users.Count)
            throw new ArgumentException($"First user {FirstUser} is outside the pool of {Users.Count}.");
        if (TargetRate is <= 0)
            throw new ArgumentException("The target rate must be positive.");
    }
}

public readonly record struct LoadProgress(string Name, TimeSpan Elapsed, long Requests, long Errors, double RequestsPerSecond);

// A 202 with the moment its answer arrived (Stopwatch timestamp), for accept-to-row latency.
public readonly record struct AcceptedRequest(long UserId, long AnsweredAt);
