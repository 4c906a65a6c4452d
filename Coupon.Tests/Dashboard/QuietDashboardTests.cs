using System.Net;
using Coupon.Tests.Fixture;
using Xunit.Abstractions;

namespace Coupon.Tests.Dashboard;

// An idle stack sends the dashboard no traces of its probes and loops: /health and /alive are no
// traces and no structured logs, the health checks' own Redis PING and MySQL Open are no traces,
// and a background round that only looked (the worker's rebuilder, reconciler and status, the
// api's loops) leaves nothing in the trace list.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class QuietDashboardTests(StackFixture stack, ITestOutputHelper output)
{
    // Longer than the batches the projects export in (1 s in a run, Redis's profiled commands 10 s).
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ExportDelay = TimeSpan.FromSeconds(11);

    // Where a trace may start: a request that came in, and our own sources (an issue's consume
    // without trace headers, a background round that did work, failed or was slow).
    private static readonly string[] RootScopes = ["Microsoft.AspNetCore", "Coupon."];

    [Fact]
    public async Task Probes_and_idle_background_rounds_leave_no_trace_and_no_probe_logs()
    {
        await stack.SharedProjectsAsync();
        using var telemetry = await DashboardTelemetry.OpenAsync(stack.App);
        var from = DateTimeOffset.UtcNow;
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            foreach (var project in (string[])["api", "worker", "admin"])
            {
                foreach (var probe in (string[])["/health", "/alive"])
                {
                    using var answer = await http.GetAsync(new Uri(stack.EndpointOf(project), probe));
                    Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                }
            }
            // One request that is a trace, answered from memory: the read below covers the window.
            using var unknown = await http.GetAsync(new Uri(stack.EndpointOf("api"), $"/api/coupons/{long.MaxValue}"));
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        await Task.Delay(IdleWindow);
        var until = DateTimeOffset.UtcNow;
        await Task.Delay(ExportDelay);

        // A trace is listed by the dashboard whether or not its root span arrived: one whose root
        // is missing (spans under an unrecorded parent, recorded anyway) counts as much as one
        // whose root is a Redis or MySQL call.
        var spans = await telemetry.SpansAsync();
        var roots = spans.Where(s => s.IsRoot).GroupBy(s => s.TraceId).ToDictionary(g => g.Key, g => g.First());
        var traces = spans.Where(s => s.Start >= from && s.Start < until).GroupBy(s => s.TraceId)
            .Select(trace => roots.GetValueOrDefault(trace.Key) ?? trace.MinBy(s => s.Start)!).ToList();
        var probeLogs = (await telemetry.LogsAsync()).Where(l => l.Time >= from && l.Time < until
            && (l.Body.Contains("/health", StringComparison.Ordinal) || l.Body.Contains("/alive", StringComparison.Ordinal))).ToList();
        output.WriteLine($"{traces.Count} trace(s) with spans in the {IdleWindow.TotalSeconds} s window");
        output.WriteLine($"{probeLogs.Count} log record(s) about /health or /alive");
        foreach (var log in probeLogs)
            output.WriteLine($"  {log}");
        foreach (var trace in traces)
            output.WriteLine($"  {trace}{(trace.IsRoot ? "" : ", its root missing")} at {trace.Start:HH:mm:ss.fff}, trace {trace.TraceId}");

        Assert.Empty(traces.Where(t => !t.IsRoot || !RootScopes.Any(scope => t.Scope.StartsWith(scope, StringComparison.Ordinal)))
            .Select(t => $"{t}{(t.IsRoot ? "" : ", its root missing")}").Distinct());
        Assert.Contains(traces, t => t.Service.StartsWith("api", StringComparison.Ordinal) && t.Name == "GET /api/coupons/{id}");
        Assert.Empty(probeLogs.Select(l => l.ToString()).Distinct());
    }
}
