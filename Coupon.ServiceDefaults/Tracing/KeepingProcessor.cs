using System.Diagnostics;
using OpenTelemetry;

namespace Coupon.ServiceDefaults.Tracing;

// In front of the exporter's processor: a sampled span goes straight on; a span of a trace not
// sampled (KeepingSampler's RecordOnly) is held until its local root ends, then the trace goes on
// whole, marked recorded, when it failed (an error status, a 5xx) or its root was slow, and is
// dropped otherwise. The exporter's processor is inside this one (a composite), because a span it
// skipped as unrecorded cannot be handed to it later through the provider.
public sealed class KeepingProcessor(HeldTraces traces, TimeSpan slowRequest, BaseProcessor<Activity> exporter)
    : CompositeProcessor<Activity>([exporter])
{
    private const string StatusCodeTag = "http.response.status_code";

    public override void OnEnd(Activity data)
    {
        if (data.Recorded)
        {
            base.OnEnd(data);
            return;
        }
        if (IsLocalRoot(data))
        {
            if (traces.Release(data.TraceId, rootKept: Failed(data) || data.Duration >= slowRequest) is not { } held)
                return;
            foreach (var span in held)
                Export(span);
            Export(data);
            return;
        }
        if (traces.HoldOrKeep(data, rootStillOpen: LocalRootOf(data) is { IsStopped: false } root && IsLocalRoot(root)))
            Export(data);
    }

    private void Export(Activity span)
    {
        span.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        base.OnEnd(span);
    }

    private static bool Failed(Activity span) =>
        span.Status == ActivityStatusCode.Error || span.GetTagItem(StatusCodeTag) is int status && status >= 500;

    // Where this process's part of the trace starts: a span without a parent, or under a caller's.
    private static bool IsLocalRoot(Activity span) =>
        span.Parent is null && (span.ParentSpanId == default || span.HasRemoteParent);

    private static Activity LocalRootOf(Activity span)
    {
        while (span.Parent is { } parent)
            span = parent;
        return span;
    }
}
