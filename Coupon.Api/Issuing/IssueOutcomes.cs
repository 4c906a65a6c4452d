using System.Diagnostics;

namespace Coupon.Api.Issuing;

// The one place every issue request's answer is recorded, whichever step gave it: the results
// counter and the latency by outcome (IssueTelemetry's meter), the campaign's statistics for the
// console (for campaigns that exist only: an id a client made up must not become a Redis key),
// and the request's span.
public sealed class IssueOutcomes(IssueTelemetry telemetry, IssueStatistics statistics)
{
    public const string Accepted = "accepted";
    public const string Entered = "entered";

    // `campaignExists`: false for a 404, whose id may be anything a client sent.
    public void Record(long campaignId, bool campaignExists, string outcome, long startedTimestamp, DateTimeOffset? acceptedAt = null)
    {
        telemetry.Record(outcome, Stopwatch.GetElapsedTime(startedTimestamp));
        Activity.Current?.SetTag("coupon.issue.outcome", outcome);
        // An entry is counted in Redis's entrants, not as an issue or a rejection.
        if (!campaignExists || outcome == Entered)
            return;
        if (acceptedAt is { } at)
            statistics.RecordIssued(campaignId, at);
        else
            statistics.RecordRejection(campaignId, outcome);
    }
}
