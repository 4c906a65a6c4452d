using System.Diagnostics;

namespace Coupon.Bench.Load;

// Log-linear latency buckets in microseconds, in the spirit of HdrHistogram: exact below 128 µs,
// then 64 buckets per power of two (about 1.6% precision) up to hours. One per connection, merged
// at the end, so recording never contends.
public sealed class LatencyHistogram
{
    private const int LinearLimit = 128;
    private const int SubBuckets = 64;
    private const int Magnitudes = 40;

    private readonly long[] _counts = new long[LinearLimit + Magnitudes * SubBuckets];

    public long Count { get; private set; }

    public long MaxMicroseconds { get; private set; }

    public void RecordTicks(long stopwatchTicks) =>
        Record(Math.Max(0, stopwatchTicks) * 1_000_000 / Stopwatch.Frequency);

    public void Record(long microseconds)
    {
        microseconds = Math.Max(0, microseconds);
        _counts[IndexOf(microseconds)]++;
        Count++;
        if (microseconds > MaxMicroseconds)
            MaxMicroseconds = microseconds;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
            _counts[i] += other._counts[i];
        Count += other.Count;
        MaxMicroseconds = Math.Max(MaxMicroseconds, other.MaxMicroseconds);
    }

    // The highest value that the bucket holding the given percentile can contain, capped by the max.
    public long Percentile(double percentile)
    {
        if (Count == 0)
            return 0;
        var rank = (long)Math.Ceiling(percentile / 100.0 * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
                return Math.Min(UpperBoundOf(i), MaxMicroseconds);
        }
        return MaxMicroseconds;
    }

    public double MeanMicroseconds()
    {
        if (Count == 0)
            return 0;
        double sum = 0;
        for (var i = 0; i < _counts.Length; i++)
            sum += _counts[i] * (double)(LowerBoundOf(i) + UpperBoundOf(i)) / 2;
        return sum / Count;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit)
            return (int)value;
        var magnitude = 63 - (int)long.LeadingZeroCount(value) - 6; // >= 1 because value >= 128
        var sub = (int)(value >> magnitude) - SubBuckets;       // 0..63
        var index = LinearLimit + (magnitude - 1) * SubBuckets + sub;
        return Math.Min(index, LinearLimit + Magnitudes * SubBuckets - 1);
    }

    internal static long LowerBoundOf(int index)
    {
        if (index < LinearLimit)
            return index;
        var magnitude = (index - LinearLimit) / SubBuckets + 1;
        var sub = (index - LinearLimit) % SubBuckets + SubBuckets;
        return (long)sub << magnitude;
    }

    internal static long UpperBoundOf(int index)
    {
        if (index < LinearLimit)
            return index;
        var magnitude = (index - LinearLimit) / SubBuckets + 1;
        return LowerBoundOf(index) + (1L << magnitude) - 1;
    }
}
