using Coupon.Core.Data;
using Coupon.Tests.Fixture;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Coupon.Tests.ServiceDefaults;

// The client integrations' health checks against the real servers.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class ClientHealthTests(StackFixture stack)
{
    [Fact]
    public async Task Redis_kafka_and_coupondb_are_healthy_and_redis_is_unhealthy_while_stopped()
    {
        using var host = Host(new()
        {
            ["ConnectionStrings:redis"] = stack.RedisConnectionString,
            ["ConnectionStrings:kafka"] = stack.KafkaBootstrapServers,
            ["ConnectionStrings:coupondb"] = stack.CouponDbConnectionString,
        });
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var before = await health.CheckHealthAsync();
        await stack.StopResourceAsync("redis");
        HealthReport during;
        try
        {
            during = await health.CheckHealthAsync();
        }
        finally
        {
            await stack.StartResourceAsync("redis");
        }
        var after = await WaitUntilHealthyAsync(health, TimeSpan.FromSeconds(15));

        Assert.Equal(["StackExchange.Redis", "coupondb", "kafka"], before.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.All(before.Entries.Values, e => Assert.Equal(HealthStatus.Healthy, e.Status));
        Assert.Equal(HealthStatus.Unhealthy, during.Entries["StackExchange.Redis"].Status);
        Assert.Equal(HealthStatus.Healthy, during.Entries["coupondb"].Status);
        Assert.Equal(HealthStatus.Healthy, after.Status);
    }

    private static async Task<HealthReport> WaitUntilHealthyAsync(HealthCheckService health, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        HealthReport report;
        while ((report = await health.CheckHealthAsync()).Status != HealthStatus.Healthy && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(250);
        return report;
    }

    private static IHost Host(Dictionary<string, string?> configuration)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddLogging();
        builder.Services.AddMetrics();
        builder.AddRedisClient("redis");
        builder.AddKafkaProducer<string, byte[]>("kafka");
        builder.AddMySqlDbContext<CouponDbContext>("coupondb");
        return builder.Build();
    }
}
