using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Coupon.Api.Issuing;

// Issue results by outcome (the problem code, or "accepted"; recorded by IssueOutcomes), the issue
// latency, and the spans of the issue path; names under CouponTelemetry.Issuing, which the service defaults export.
public sealed class IssueTelemetry : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _results;
    private readonly Histogram<double> _duration;

    public IssueTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(CouponTelemetry.Issuing);
        _results = _meter.CreateCounter<long>("coupon.issue.results", description: "Issue requests by outcome.");
        _duration = _meter.CreateHistogram<double>("coupon.issue.duration", unit: "ms",
            description: "Time to answer an issue request, by outcome.");
    }

    public static ActivitySource Source { get; } = new(CouponTelemetry.Issuing);

    public static ActivitySource MessagingSource { get; } = new(CouponTelemetry.Messaging);

    public void Record(string outcome, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _results.Add(1, tag);
        _duration.Record(elapsed.TotalMilliseconds, tag);
    }

    public void Dispose() => _meter.Dispose();
}
