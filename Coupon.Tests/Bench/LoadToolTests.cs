using System.Text;
using Coupon.Bench.Baseline;
using Coupon.Bench.Load;

namespace Coupon.Tests.Bench;

// The load generator's own parts, without servers: latency buckets and HTTP response parsing.
public sealed class LoadToolTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(1_000)]
    [InlineData(65_537)]
    [InlineData(3_600_000_000)]
    public void A_value_falls_in_a_bucket_that_holds_it_within_two_percent(long microseconds)
    {
        var index = LatencyHistogram.IndexOf(microseconds);
        var low = LatencyHistogram.LowerBoundOf(index);
        var high = LatencyHistogram.UpperBoundOf(index);
        Assert.InRange(microseconds, low, high);
        Assert.True(high - low <= Math.Max(1, microseconds / 50), $"[{low}, {high}] is too wide for {microseconds}");
    }

    [Fact]
    public void Percentiles_follow_the_recorded_values()
    {
        var histogram = new LatencyHistogram();
        for (var value = 1; value <= 10_000; value++)
            histogram.Record(value);

        Assert.Equal(10_000, histogram.Count);
        Assert.Equal(10_000, histogram.MaxMicroseconds);
        Assert.InRange(histogram.Percentile(50), 4_900, 5_100);
        Assert.InRange(histogram.Percentile(99), 9_800, 10_000);
        Assert.Equal(10_000, histogram.Percentile(100));
    }

    [Fact]
    public void Merged_histograms_count_both()
    {
        var first = new LatencyHistogram();
        var second = new LatencyHistogram();
        first.Record(100);
        second.Record(200_000);

        first.Add(second);

        Assert.Equal(2, first.Count);
        Assert.Equal(200_000, first.MaxMicroseconds);
        Assert.Equal(100, first.Percentile(50));
    }

    [Fact]
    public void A_response_head_gives_status_length_chunking_and_close()
    {
        var head = RawHttpConnection.ParseHead(Encoding.ASCII.GetBytes(
            "HTTP/1.1 409 Conflict\r\nContent-Type: application/problem+json\r\ncontent-length: 123\r\nConnection: close"));
        Assert.Equal(new RawHttpConnection.ResponseHead(409, 123, false, true), head);

        var chunked = RawHttpConnection.ParseHead(Encoding.ASCII.GetBytes(
            "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\nLocation: /api/coupons/1/issue"));
        Assert.Equal(new RawHttpConnection.ResponseHead(202, 0, true, false), chunked);
    }

    [Theory]
    [InlineData("1a", 26)]
    [InlineData("0", 0)]
    [InlineData("FF;ext=1", 255)]
    public void Chunk_sizes_are_hexadecimal(string line, int size) =>
        Assert.Equal(size, RawHttpConnection.ParseChunkSize(Encoding.ASCII.GetBytes(line)));

    [Fact]
    public void Wrk_output_gives_its_rate_and_percentiles()
    {
        const string output = """
            Running 5s test @ http://127.0.0.1:5999/api/coupons/1/issue
              2 threads and 64 connections
              Latency Distribution
                 50%  850.00us
                 75%    1.20ms
                 90%    2.10ms
                 99%    3.40ms
              291234 requests in 5.00s, 60.1MB read
            Requests/sec:  58246.80
            Transfer/sec:     12.02MB
            """;

        Assert.Equal(new WrkResult(58246.80, 850, 3_400), WrkCrossCheck.Parse(output));
        Assert.Null(WrkCrossCheck.Parse("unable to connect to 127.0.0.1:5999 Connection refused"));
    }

    [Fact]
    public void A_malformed_status_line_is_refused() =>
        Assert.Throws<InvalidDataException>(() => RawHttpConnection.ParseHead("garbage"u8));
}
