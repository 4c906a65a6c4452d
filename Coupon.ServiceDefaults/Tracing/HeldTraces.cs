using System.Diagnostics;

namespace Coupon.ServiceDefaults.Tracing;

// The local traces not sampled at their root, between their first ended span and the end of
// their local root: their ended spans are held here (RecordOnly, so nothing exported them yet),
// then exported whole if the trace failed or was slow, or let go. A kept trace is remembered a
// while for the spans that end after its root (Redis's profiled commands become spans up to 10 s
// after their parent ended). Bounded either way: past MaxHeldSpans the oldest held trace is let
// go (its root, if it ends, is judged alone), past MaxKept the oldest kept id is forgotten.
public sealed class HeldTraces(TimeProvider time)
{
    public const int MaxHeldSpans = 8192;
    public const int MaxKept = 4096;
    public static readonly TimeSpan KeptFor = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<ActivityTraceId, Held> _held = [];
    private readonly LinkedList<Held> _oldestFirst = new();
    private readonly Dictionary<ActivityTraceId, long> _keptUntil = [];
    private readonly Queue<(ActivityTraceId Trace, long Until)> _keptOldestFirst = new();
    private int _heldSpans;

    public enum State
    {
        Unknown,
        Held,
        Kept,
    }

    public int HeldSpanCount
    {
        get
        {
            lock (_lock)
                return _heldSpans;
        }
    }

    public State StateOf(ActivityTraceId trace)
    {
        lock (_lock)
        {
            if (_held.ContainsKey(trace))
                return State.Held;
            return IsKept(trace) ? State.Kept : State.Unknown;
        }
    }

    // A span of a trace not sampled, ended before its local root. True: the trace was kept
    // already, export it now. False: held, or let go (its trace was let go or is none we know).
    public bool HoldOrKeep(Activity span, bool rootStillOpen)
    {
        lock (_lock)
        {
            if (IsKept(span.TraceId))
                return true;
            if (!_held.TryGetValue(span.TraceId, out var held))
            {
                if (!rootStillOpen)
                    return false;
                held = new Held();
                held.Node = _oldestFirst.AddLast(held);
                _held[span.TraceId] = held;
            }
            held.Spans.Add(span);
            held.Failed |= span.Status == ActivityStatusCode.Error;
            _heldSpans++;
            while (_heldSpans > MaxHeldSpans && _oldestFirst.First is { } oldest)
                Release(oldest.Value.Spans[0].TraceId);
            return false;
        }
    }

    // The local root ended, kept (it failed or was slow) or not: the spans to export with it,
    // or null when the trace is let go (no held span failed either). Once kept, the spans that
    // end from now on are exported as they end.
    public IReadOnlyList<Activity>? Release(ActivityTraceId trace, bool rootKept)
    {
        lock (_lock)
        {
            var held = Release(trace);
            if (!rootKept && held?.Failed != true)
                return null;
            Keep(trace);
            return held?.Spans ?? [];
        }
    }

    private Held? Release(ActivityTraceId trace)
    {
        if (!_held.Remove(trace, out var held))
            return null;
        _oldestFirst.Remove(held.Node!);
        _heldSpans -= held.Spans.Count;
        return held;
    }

    private void Keep(ActivityTraceId trace)
    {
        var now = time.GetTimestamp();
        while (_keptOldestFirst.TryPeek(out var oldest) && (oldest.Until <= now || _keptOldestFirst.Count >= MaxKept))
        {
            _keptOldestFirst.Dequeue();
            if (_keptUntil.TryGetValue(oldest.Trace, out var until) && until == oldest.Until)
                _keptUntil.Remove(oldest.Trace);
        }
        var keptUntil = now + (long)(KeptFor.TotalSeconds * time.TimestampFrequency);
        _keptUntil[trace] = keptUntil;
        _keptOldestFirst.Enqueue((trace, keptUntil));
    }

    private bool IsKept(ActivityTraceId trace) =>
        _keptUntil.TryGetValue(trace, out var until) && until > time.GetTimestamp();

    private sealed class Held
    {
        public List<Activity> Spans { get; } = [];
        public bool Failed { get; set; }
        public LinkedListNode<Held>? Node { get; set; }
    }
}
