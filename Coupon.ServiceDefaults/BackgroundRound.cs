using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Coupon.ServiceDefaults;

// One round of a background loop (a check once a second, the health checks) as the dashboard
// should see it. A round runs under an activity nobody records, so the spans of its calls that
// only look (Redis HGET, MySQL Open and Execute, a PING) are dropped by the SDK's parent-based
// sampler, while metrics and logs go on as before. The part that does work is a trace of its own
// (Work), with the spans of its calls; a round that failed, or that was slow without working, is
// recorded when it ends, from its start, with its error.
public sealed class BackgroundRound : IDisposable
{
    // A round takes milliseconds; one this long is worth a look.
    public static readonly TimeSpan Slow = TimeSpan.FromSeconds(1);

    private static readonly ActivitySource Source = new(CouponTelemetry.Background);
    private static readonly AsyncLocal<BackgroundRound?> Ambient = new();

    private readonly string _name;
    private readonly Activity? _previous;
    private readonly BackgroundRound? _previousRound;
    private readonly Activity _unrecorded;
    private Exception? _failure;
    private bool _worked;

    private BackgroundRound(string name)
    {
        _name = name;
        _previous = Activity.Current;
        _previousRound = Ambient.Value;
        // A round is never part of whatever trace started its loop. Not from a source, so no
        // listener sees it and its trace flags say "not recorded"; nor does it ask for data, so
        // the sampler does not hold its calls as it holds those of a request not sampled.
        Activity.Current = null;
        _unrecorded = new Activity(name) { IsAllDataRequested = false }.Start();
        Ambient.Value = this;
    }

    public static BackgroundRound Begin(string name) => new(name);

    // The part of the current round that moves data, as a trace of its own. Outside a round, a
    // span of the trace it is called in.
    public static IDisposable? Work(string name)
    {
        if (Ambient.Value is not { } round)
            return Source.StartActivity(name);
        round._worked = true;
        Activity.Current = null;
        return new WorkScope(Source.StartActivity(name), round._unrecorded);
    }

    public void Failed(Exception exception) => _failure = exception;

    public void Dispose()
    {
        var elapsed = DateTime.UtcNow - _unrecorded.StartTimeUtc;
        _unrecorded.Stop();
        if (_failure is not null || (!_worked && elapsed >= Slow))
            Record(elapsed);
        Ambient.Value = _previousRound;
        Activity.Current = _previous;
    }

    private void Record(TimeSpan elapsed)
    {
        Activity.Current = null;
        using var recorded = Source.StartActivity(_name, ActivityKind.Internal, parentContext: default, startTime: _unrecorded.StartTimeUtc);
        if (recorded is null)
            return;
        recorded.SetTag("coupon.round.duration_ms", (long)elapsed.TotalMilliseconds);
        if (_failure is { } failure)
        {
            recorded.SetStatus(ActivityStatusCode.Error, failure.Message);
            recorded.AddException(failure);
        }
    }

    // Back to the round's unrecorded activity once the work is done.
    private sealed class WorkScope(Activity? work, Activity round) : IDisposable
    {
        public void Dispose()
        {
            work?.Dispose();
            Activity.Current = round;
        }
    }
}
