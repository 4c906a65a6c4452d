using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Xunit.Abstractions;

namespace Coupon.Tests.Hosting;

// /health and /metrics are cheap and say nothing to strangers, and an api whose producer hit a
// fatal error does not stay green while refusing every issue.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class HealthEndpointTests(StackFixture stack, ITestOutputHelper output) : SharedApiTests(stack)
{
    [Fact]
    public async Task Anonymous_callers_get_health_statuses_without_text_and_no_metrics()
    {
        var http = Api.Http;
        using (var alive = await http.GetAsync("/alive"))
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        using (var health = await http.GetAsync("/health"))
        {
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            foreach (var entry in body.RootElement.GetProperty("entries").EnumerateObject())
            {
                Assert.Equal(["status"], entry.Value.EnumerateObject().Select(p => p.Name));
            }
        }
        using (var metrics = await http.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);

        using var scraped = await Api.SendAsync(HttpMethod.Get, "/metrics", Api.OperatorToken);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
    }

    [Fact]
    public async Task A_flood_of_health_requests_while_kafka_is_down_does_not_slow_the_issue_path()
    {
                var now = await Redis.NowAsync();
        // Refused from the cache: the issue path without Redis or Kafka round trips.
        var scheduled = await Api.CreateCampaignAsync(10, now.AddHours(1), now.AddHours(2));
        using (var warm = await Api.IssueAsync(scheduled.Id, 1))
            Assert.Equal(HttpStatusCode.Conflict, warm.StatusCode);

        Stack.Kafka.SetAllBrokersDown();
        using var stop = new CancellationTokenSource();
        var flood = Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    (await Api.Http.GetAsync("/health", stop.Token)).Dispose();
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // The flood is over.
                }
            }
        })));

        var latencies = new List<TimeSpan>();
        try
        {
            var deadline = Stopwatch.GetTimestamp() + 8 * Stopwatch.Frequency;
            for (var user = 2L; Stopwatch.GetTimestamp() < deadline; user++)
            {
                var started = Stopwatch.GetTimestamp();
                using var refused = await Api.IssueAsync(scheduled.Id, user);
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                latencies.Add(Stopwatch.GetElapsedTime(started));
                await Task.Delay(50);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await flood;
            Stack.Kafka.SetAllBrokersUp();
        }

        latencies.Sort();
        var (median, slowest) = (latencies[latencies.Count / 2], latencies[^1]);
        output.WriteLine($"{latencies.Count} issue requests during the flood: median {median.TotalMilliseconds:0} ms, slowest {slowest.TotalMilliseconds:0} ms");
        // The flood shares the two cores with the issue path; checks blocking pool threads
        // starved it for the whole flood (12 s for one request before the fix).
        Assert.True(median < TimeSpan.FromMilliseconds(200), $"Median issue request {median.TotalMilliseconds:0} ms during the /health flood.");
        Assert.True(slowest < TimeSpan.FromSeconds(3), $"An issue request took {slowest.TotalMilliseconds:0} ms during the /health flood.");
    }
}
