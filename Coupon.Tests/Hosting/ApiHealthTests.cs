using System.Net;
using System.Text.Json;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Hosting;

// The api's /health is what the AppHost waits for and operators look at: green with its three
// dependencies, red while Redis is down, green again once it is back.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class ApiHealthTests(StackFixture stack)
{
    [Fact]
    public async Task Api_health_turns_red_while_redis_is_stopped()
    {
        var api = (await stack.SharedProjectsAsync()).Api;
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // Earlier tests stop and restart servers; start from a green api.
        var before = await HealthyWithinAsync(http, TimeSpan.FromSeconds(30));
        foreach (var dependency in new[] { "StackExchange.Redis", "kafka", "coupondb" })
            Assert.Equal("Healthy", before.Entries[dependency]);

        await stack.StopResourceAsync("redis");
        (HttpStatusCode Status, Dictionary<string, string> Entries) during;
        try
        {
            // The report is reused for a couple of seconds (HealthReportCache).
            during = await Issuing.Poll.UntilAsync(() => HealthAsync(http), health => health.Status != HttpStatusCode.OK, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await stack.StartResourceAsync("redis");
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.Status);
        Assert.Equal("Unhealthy", during.Entries["StackExchange.Redis"]);

        await HealthyWithinAsync(http, TimeSpan.FromSeconds(30));
    }

    private static async Task<(HttpStatusCode Status, Dictionary<string, string> Entries)> HealthyWithinAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var health = await HealthAsync(http);
        while (health.Status != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            health = await HealthAsync(http);
        }
        Assert.True(health.Status == HttpStatusCode.OK,
            $"api /health stayed {(int)health.Status}: {string.Join(", ", health.Entries.Select(e => $"{e.Key}={e.Value}"))}");
        return health;
    }

    private static async Task<(HttpStatusCode Status, Dictionary<string, string> Entries)> HealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var entries = body.RootElement.GetProperty("entries").EnumerateObject()
            .ToDictionary(e => e.Name, e => e.Value.GetProperty("status").GetString()!);
        return (response.StatusCode, entries);
    }
}
