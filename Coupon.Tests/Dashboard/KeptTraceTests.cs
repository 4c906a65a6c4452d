using System.Diagnostics;
using System.Net;
using Coupon.ServiceDefaults.Tracing;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Xunit.Abstractions;

namespace Coupon.Tests.Dashboard;

// A request its caller did not sample (traceparent flags 00) is traced only when it failed or
// was slow (the service defaults' trace keeping): a 503 while MySQL is down reaches the dashboard
// with the spans under it, a quick 200 just before does not.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class KeptTraceTests(StackFixture stack, ITestOutputHelper output) : SharedApiTests(stack)
{
    private const string Path = "/api/users/me/coupons";
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ExportWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_failed_request_not_sampled_reaches_the_dashboard_whole_and_a_quick_one_not_at_all()
    {
        await Stack.SharedProjectsAsync();
        using var telemetry = await DashboardTelemetry.OpenAsync(Stack.App);
        var failed = ActivityTraceId.CreateRandom().ToHexString();

        // Quick as the client saw it, so quick at the api too (the api's first may be slow, and kept).
        var quick = new List<string>();
        for (var attempt = 0; attempt < 10 && quick.Count == 0; attempt++)
        {
            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            var started = Stopwatch.GetTimestamp();
            using var answer = await Api.Http.SendAsync(NotSampled(traceId));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            if (Stopwatch.GetElapsedTime(started) < new TracingSettings().SlowRequest)
                quick.Add(traceId);
        }
        Assert.NotEmpty(quick);
        await Stack.StopResourceAsync("mysql");
        try
        {
            using var timeout = new CancellationTokenSource(AnswerWait);
            using var answer = await Api.Http.SendAsync(NotSampled(failed), timeout.Token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        }
        finally
        {
            await Stack.StartResourceAsync("mysql");
        }

        // Exported in order: once the failed trace is in, the quick one would be too.
        var deadline = DateTime.UtcNow + ExportWait;
        IReadOnlyList<ReceivedSpan> spans;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            spans = await telemetry.SpansAsync();
        }
        while (!spans.Any(s => InTrace(s, failed) && s.Name == $"GET {Path}") && DateTime.UtcNow < deadline);

        var kept = spans.Where(s => InTrace(s, failed)).ToList();
        output.WriteLine($"failed request's trace: {string.Join(", ", kept)}");
        Assert.Contains(kept, s => s.Service.StartsWith("api", StringComparison.Ordinal) && s.Name == $"GET {Path}");
        Assert.Contains(kept, s => s.Scope == "MySqlConnector");
        Assert.DoesNotContain(spans, s => quick.Any(traceId => InTrace(s, traceId)));
    }

    private HttpRequestMessage NotSampled(string traceId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.Authorization = new("Bearer", Api.UserToken(8));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-00");
        return request;
    }

    private static bool InTrace(ReceivedSpan span, string traceId) =>
        string.Equals(span.TraceId, traceId, StringComparison.OrdinalIgnoreCase);
}
