using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Coupon.Core.Messaging;

// W3C trace context in Kafka headers (`traceparent`, `tracestate`), so one trace runs from the
// issue request through Kafka to the worker's insert.
public static class TraceHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    // None when nothing is traced: librdkafka then copies no header for the message.
    public static Headers? From(Activity? activity) => activity is null ? null : From(activity.Context);

    public static Headers? From(ActivityContext context)
    {
        if (context == default)
            return null;
        var headers = new Headers();
        var flags = (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00";
        headers.Add(TraceParent, Encoding.ASCII.GetBytes($"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{flags}"));
        if (!string.IsNullOrEmpty(context.TraceState))
            headers.Add(TraceState, Encoding.ASCII.GetBytes(context.TraceState));
        return headers;
    }

    // The context of the producing span, or default when the message carries none (or a bad one).
    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null || !headers.TryGetLastBytes(TraceParent, out var parent))
            return default;
        var state = headers.TryGetLastBytes(TraceState, out var stateBytes) ? Encoding.ASCII.GetString(stateBytes) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parent), state, isRemote: true, out var context)
            ? context
            : default;
    }
}
