using System.Text.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Coupon.Tests.Worker;

[Collection(StackCollection.Name)]
public sealed class ReconcilingTests(StackFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly WorkerScenario _scenario = new(stack);

    [Fact]
    public async Task A_winner_in_redis_that_never_reached_kafka_is_persisted_by_the_reconciler()
    {
        var shared = await stack.SharedProjectsAsync();
        var couponId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 10);
        await using var worker = await stack.StartProjectAsync(CouponProject.Worker, new Dictionary<string, string?>
        {
            ["Worker__ReconcileGrace"] = "00:00:01",
            ["Worker__ReconcileInterval"] = "00:00:01",
            ["Worker__StatusInterval"] = "00:00:01",
        });
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        // As if the api died between the Lua script and the Kafka ack.
        var acceptedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        await redis.GetDatabase().HashSetAsync(new CampaignKeys(couponId).Winners, 7, acceptedAt.ToUnixTimeMilliseconds());

        try
        {
            await _scenario.WaitForRowsAsync(couponId, 1, TimeSpan.FromSeconds(30));
        }
        catch
        {
            foreach (var line in (await worker.RecentOutputAsync()).Concat(await shared.Worker.RecentOutputAsync()))
                output.WriteLine(line);
            throw;
        }

        Assert.True(await _scenario.HasRowAsync(couponId, 7));
        Assert.Equal(1, await _scenario.AssertInvariantsAsync(couponId));
        var statuses = await WorkerStatusesAsync(redis, s => s.ReconcilerRepairs > 0);
        Assert.Contains(statuses, s => s.ReconcilerRepairs > 0 && s.LastSeen > DateTimeOffset.UtcNow.AddSeconds(-10));
    }

    private static async Task<IReadOnlyList<WorkerStatus>> WorkerStatusesAsync(IConnectionMultiplexer redis, Func<WorkerStatus, bool> until)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        List<WorkerStatus> statuses;
        do
        {
            var entries = await redis.GetDatabase().HashGetAllAsync(CampaignKeys.WorkersKey);
            statuses = [.. entries.Select(e => JsonSerializer.Deserialize<WorkerStatus>((string)e.Value!, JsonSerializerOptions.Web)!)];
            if (statuses.Any(until))
                break;
            await Task.Delay(200);
        }
        while (DateTimeOffset.UtcNow < deadline);
        return statuses;
    }

    public void Dispose() => _scenario.Dispose();
}
