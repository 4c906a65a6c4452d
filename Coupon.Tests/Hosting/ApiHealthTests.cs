using System.Net;
using System.Text.Json;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Hosting;

// The api's /health is what the AppHost waits for and operators look at: green with its three
// dependencies, red while Redis is down, green again once it is back.
[Collection(StackCollection.Name)]
public sealed class ApiHealthTests(StackFixture stack)
{
    [Fact]
    public async Task Api_health_turns_red_while_redis_is_stopped()
    {
        var api = (await stack.SharedProjectsAsync()).Api;
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var before = await HealthAsync(http);
        Assert.Equal(HttpStatusCode.OK, before.Status);
        foreach (var dependency in new[] { "redis", "kafka", "coupondb" })
            Assert.Equal("Healthy", before.Entries[dependency]);

        await stack.Redis.StopAsync();
        (HttpStatusCode Status, Dictionary<string, string> Entries) during;
        try
        {
            during = await HealthAsync(http);
        }
        finally
        {
            await stack.Redis.StartAsync();
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.Status);
        Assert.Equal("Unhealthy", during.Entries["redis"]);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        var after = await HealthAsync(http);
        while (after.Status != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            after = await HealthAsync(http);
        }
        Assert.Equal(HttpStatusCode.OK, after.Status);
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
