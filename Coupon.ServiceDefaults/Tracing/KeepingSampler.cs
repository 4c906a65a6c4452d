using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Coupon.ServiceDefaults.Tracing;

// Parent based, with a trace-id ratio at the root. A trace the ratio did not sample is recorded
// but not exported (RecordOnly): whether it failed or was slow is known only when its root ends,
// and KeepingProcessor holds its spans until then. Its children follow it, and so does a span
// started later under one of its spans (Redis's profiled commands, drained on a thread of their
// own). A call under a span nobody records (a probe the instrumentation filtered, a background
// round) is dropped, as before.
public sealed class KeepingSampler(double sampleRatio, HeldTraces traces) : Sampler
{
    private static readonly SamplingResult Sampled = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Held = new(SamplingDecision.RecordOnly);
    private static readonly SamplingResult Dropped = new(SamplingDecision.Drop);

    private readonly TraceIdRatioBasedSampler _ratio = new(sampleRatio);

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        var parent = parameters.ParentContext;
        if (parent == default)
            return _ratio.ShouldSample(parameters).Decision == SamplingDecision.RecordAndSample ? Sampled : Held;
        if (parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded))
            return Sampled;
        // A caller that did not sample: not sampled here either, but a failure is still kept.
        if (parent.IsRemote)
            return Held;
        return traces.StateOf(parameters.TraceId) switch
        {
            HeldTraces.State.Kept => Sampled,
            HeldTraces.State.Held => Held,
            // Nothing of the trace ended yet: the parent is the current activity, recorded only
            // when it is held (a filtered probe and a background round's activity request no data).
            _ => Activity.Current is { } current && current.SpanId == parent.SpanId && current.IsAllDataRequested ? Held : Dropped,
        };
    }
}
