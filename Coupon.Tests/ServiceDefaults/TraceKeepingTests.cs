using System.Diagnostics;
using Coupon.ServiceDefaults.Tracing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Coupon.Tests.ServiceDefaults;

// The service defaults' trace keeping, with the SDK's own provider and an in-memory exporter:
// a sampled trace is exported as it goes, one not sampled only whole when it failed or was slow,
// and what is held in between stays bounded.
public sealed class TraceKeepingTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMilliseconds(250);

    [Fact]
    public void A_sampled_trace_is_exported_whole()
    {
        using var pipeline = new Pipeline(sampleRatio: 1.0);
        var (root, children) = pipeline.Request();
        Assert.Equal([.. children, root], pipeline.Exported);
        Assert.Equal(0, pipeline.Held.HeldSpanCount);
    }

    [Fact]
    public void A_fast_successful_trace_not_sampled_is_dropped_and_not_held()
    {
        using var pipeline = new Pipeline(sampleRatio: 0);
        var (root, children) = pipeline.Request(status: 202);
        Assert.Empty(pipeline.Exported);
        Assert.All([root, .. children], span => Assert.False(span.Recorded));
        Assert.Equal(0, pipeline.Held.HeldSpanCount);
    }

    public static TheoryData<string> Failures => ["5xx", "error status", "a child's error"];

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failed_trace_not_sampled_is_exported_whole(string failure)
    {
        using var pipeline = new Pipeline(sampleRatio: 0);
        var (root, children) = pipeline.Request(
            status: failure == "5xx" ? 503 : 202,
            rootStatus: failure == "error status" ? ActivityStatusCode.Error : ActivityStatusCode.Unset,
            childStatus: failure == "a child's error" ? ActivityStatusCode.Error : ActivityStatusCode.Unset);
        Assert.Equal([.. children, root], pipeline.Exported);
        Assert.All(pipeline.Exported, span => Assert.True(span.Recorded));
        Assert.Equal(0, pipeline.Held.HeldSpanCount);
    }

    [Fact]
    public void A_slow_trace_not_sampled_is_exported_whole()
    {
        using var pipeline = new Pipeline(sampleRatio: 0);
        var (root, children) = pipeline.Request(took: Slow);
        Assert.Equal([.. children, root], pipeline.Exported);
    }

    [Fact]
    public void A_span_that_ends_after_its_root_follows_the_decision()
    {
        using var pipeline = new Pipeline(sampleRatio: 0);
        // As Redis's profiled commands become spans: later, on another thread, under a span
        // that ended, with its context as the parent.
        var (kept, _) = pipeline.Request(status: 500);
        var (dropped, _) = pipeline.Request(status: 202);
        var late = pipeline.Late(kept);
        var lost = pipeline.Late(dropped);
        Assert.NotNull(late);
        Assert.Contains(late, pipeline.Exported);
        Assert.Null(lost);
        Assert.DoesNotContain(pipeline.Exported, span => span.TraceId == dropped.TraceId);
    }

    [Fact]
    public void A_callers_sampled_trace_is_honoured_and_an_unsampled_one_kept_only_when_it_failed()
    {
        using var pipeline = new Pipeline(sampleRatio: 1.0);
        var (sampledCall, _) = pipeline.Request(parent: Remote(ActivityTraceFlags.Recorded));
        var (fastCall, _) = pipeline.Request(parent: Remote(ActivityTraceFlags.None));
        var (failedCall, _) = pipeline.Request(parent: Remote(ActivityTraceFlags.None), status: 503);
        Assert.Contains(sampledCall, pipeline.Exported);
        Assert.DoesNotContain(pipeline.Exported, span => span.TraceId == fastCall.TraceId);
        Assert.Contains(failedCall, pipeline.Exported);
        Assert.Equal(0, pipeline.Held.HeldSpanCount);
    }

    [Fact]
    public void Calls_under_an_activity_that_requests_no_data_are_dropped_and_not_held()
    {
        using var pipeline = new Pipeline(sampleRatio: 0);
        // What a background round runs under (BackgroundRound), and a probe the instrumentation filtered.
        using (new Activity("round") { IsAllDataRequested = false }.Start())
        {
            using var call = pipeline.Source.StartActivity("redis");
            Assert.Null(call);
        }
        Assert.Empty(pipeline.Exported);
        Assert.Equal(0, pipeline.Held.HeldSpanCount);
    }

    [Fact]
    public void The_held_spans_stay_bounded_and_the_oldest_trace_is_let_go_first()
    {
        using var pipeline = new Pipeline(sampleRatio: 0);
        var open = new List<Activity>();
        for (var i = 0; i < HeldTraces.MaxHeldSpans + 10; i++)
        {
            var root = pipeline.Source.StartActivity("request", ActivityKind.Server)!;
            pipeline.Source.StartActivity("child")!.Dispose();
            Activity.Current = null;
            open.Add(root);
            Assert.True(pipeline.Held.HeldSpanCount <= HeldTraces.MaxHeldSpans);
        }
        Assert.Equal(HeldTraces.MaxHeldSpans, pipeline.Held.HeldSpanCount);

        // The first trace's child was let go: its failed root is exported alone; the last's whole.
        foreach (var root in (Activity[])[open[0], open[^1]])
        {
            root.SetStatus(ActivityStatusCode.Error);
            root.Stop();
        }
        Assert.Equal([open[0].TraceId, open[^1].TraceId, open[^1].TraceId], pipeline.Exported.Select(span => span.TraceId));
        foreach (var root in open.Where(root => !root.IsStopped))
            root.Stop();
        Assert.Equal(0, pipeline.Held.HeldSpanCount);
    }

    [Theory]
    [InlineData("Development", null, 1.0)]
    [InlineData("Production", null, 0.01)]
    [InlineData("Production", "0.25", 0.25)]
    [InlineData("Development", "0", 0.0)]
    public void The_sample_ratio_defaults_to_everything_in_development_and_to_a_sample_elsewhere(string environment, string? configured, double expected)
    {
        var settings = TracingSettings.From(Configuration(new() { ["Telemetry:Tracing:SampleRatio"] = configured }), Environment(environment));
        Assert.Equal(expected, settings.SampleRatio);
        Assert.Equal(Slow, settings.SlowRequest);
    }

    [Theory]
    [InlineData("SampleRatio", "1.5")]
    [InlineData("SampleRatio", "a few")]
    [InlineData("SlowRequest", "-00:00:01")]
    [InlineData("SlowRequest", "soon")]
    public void A_mistyped_setting_fails_the_start_naming_its_key(string key, string value)
    {
        var failure = Assert.Throws<InvalidOperationException>(() =>
            TracingSettings.From(Configuration(new() { [$"Telemetry:Tracing:{key}"] = value }), Environment("Production")));
        Assert.Contains($"Telemetry:Tracing:{key}", failure.Message, StringComparison.Ordinal);
    }

    private static ActivityContext Remote(ActivityTraceFlags flags) =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags, isRemote: true);

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };

    private sealed class Pipeline : IDisposable
    {
        private readonly FakeTimeProvider _time = new();
        private readonly TracerProvider _provider;

        public Pipeline(double sampleRatio)
        {
            Held = new HeldTraces(_time);
            Source = new ActivitySource($"Coupon.Tests.TraceKeeping.{Guid.NewGuid():N}");
            _provider = Sdk.CreateTracerProviderBuilder()
                .AddSource(Source.Name)
                .SetSampler(new KeepingSampler(sampleRatio, Held))
                .AddProcessor(new KeepingProcessor(Held, Slow, new SimpleActivityExportProcessor(new InMemoryExporter<Activity>(Exported))))
                .Build()!;
        }

        public HeldTraces Held { get; }

        public ActivitySource Source { get; }

        public List<Activity> Exported { get; } = [];

        // A request's span with two calls under it, the second under the first.
        public (Activity Root, Activity[] Children) Request(ActivityContext parent = default, int status = 202, TimeSpan took = default,
            ActivityStatusCode rootStatus = ActivityStatusCode.Unset, ActivityStatusCode childStatus = ActivityStatusCode.Unset)
        {
            var previous = Activity.Current;
            Activity.Current = null;
            var root = Source.StartActivity("POST /api/coupons/{id}/issue", ActivityKind.Server, parent, startTime: DateTimeOffset.UtcNow - took)!;
            var issue = Source.StartActivity("coupon issue")!;
            var produce = Source.StartActivity("coupon-issued publish", ActivityKind.Producer)!;
            produce.Stop();
            issue.SetStatus(childStatus);
            issue.Stop();
            root.SetTag("http.response.status_code", status);
            root.SetStatus(rootStatus);
            root.Stop();
            Activity.Current = previous;
            return (root, [produce, issue]);
        }

        // A span started and ended after its parent's trace was decided, with no current activity.
        public Activity? Late(Activity parent)
        {
            var previous = Activity.Current;
            Activity.Current = null;
            var span = Source.StartActivity("EVALSHA", ActivityKind.Client, parent.Context);
            span?.Stop();
            Activity.Current = previous;
            return span;
        }

        public void Dispose()
        {
            _provider.Dispose();
            Source.Dispose();
        }
    }
}
