using System.Text.Json;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Coupon.Tests.Worker;

[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class ReconcilingTests(StackFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly WorkerScenario _scenario = new(stack);

    [Fact]
    public async Task A_winner_in_redis_that_never_reached_kafka_is_persisted_by_the_reconciler()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 10);
        await using var worker = await stack.StartReconcilingWorkerAsync(TimeSpan.FromSeconds(1),
            new Dictionary<string, string?> { ["Worker__StatusInterval"] = "00:00:01" });
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        // As if the api died between the Lua script and the Kafka ack.
        var acceptedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        await redis.GetDatabase().HashSetAsync(new CampaignKeys(campaignId).Winners, 7, acceptedAt.ToUnixTimeMilliseconds());

        try
        {
            await _scenario.WaitForRowsAsync(campaignId, 1, TimeSpan.FromSeconds(30));
        }
        catch
        {
            foreach (var line in (await worker.RecentOutputAsync()).Concat(await shared.Worker.RecentOutputAsync()))
                output.WriteLine(line);
            throw;
        }

        Assert.True(await _scenario.HasRowAsync(campaignId, 7));
        Assert.Equal(1, await _scenario.AssertInvariantsAsync(campaignId));
        var statuses = await WorkerStatusesAsync(redis, s => s.ReconcilerRepairs > 0);
        Assert.Contains(statuses, s => s.ReconcilerRepairs > 0 && s.LastSeen > DateTimeOffset.UtcNow.AddSeconds(-10));
    }

    [Fact]
    public async Task A_winner_withdrawn_while_redis_was_unreachable_is_removed_by_the_reconciler_not_persisted()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 10);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var winners = new CampaignKeys(campaignId).Winners;
        // The issue script recorded user 7 (its reply lost) and 8 (its event lost); Redis could not
        // be reached for the read-back, so the api recorded 7's withdrawal in MySQL. User 9's
        // winner is another request's than the one its withdrawal names: it stays.
        var state = new CampaignRedisState(redis);
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds();
        var (seven, eight, nine) = (IssueRequest.Create(campaignId, 7, deadline), IssueRequest.Create(campaignId, 8, deadline), IssueRequest.Create(campaignId, 9, deadline));
        foreach (var request in (IssueRequest[])[seven, eight, nine])
            Assert.Equal(IssueOutcome.Accepted, (await state.IssueAsync(request)).Outcome);
        await using (var unreachable = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200,asyncTimeout=500"))
        await using (var services = new ServiceCollection()
            .AddDbContext<CouponDbContext>(o => o.UseMySql(stack.CouponDbConnectionString, CouponDbContext.DefaultServerVersion))
            .BuildServiceProvider())
        {
            // As warm as the api's, which reads campaigns all along.
            await using (var scope = services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<CouponDbContext>().Withdrawals.AnyAsync();
            var unreachableState = new CampaignRedisState(unreachable);
            using var retries = new WithdrawalRetries(unreachableState, TimeProvider.System, NullLogger<WithdrawalRetries>.Instance);
            var withdrawals = new WinnerWithdrawals(unreachableState, retries, services.GetRequiredService<IServiceScopeFactory>(),
                Options.Create(new IssueDeadlines { Record = TimeSpan.FromSeconds(5) }), TimeProvider.System, NullLogger<WinnerWithdrawals>.Instance);
            Assert.Null(await withdrawals.ResolveAsync(seven));
            Assert.Equal(WithdrawalOutcome.Recorded, await withdrawals.DeferAsync(seven));
            Assert.Equal(WithdrawalOutcome.Recorded, await withdrawals.DeferAsync(nine with { RequestId = nine.RequestId + 1 }));
        }

        await using var worker = await stack.StartReconcilingWorkerAsync(TimeSpan.FromSeconds(1));
        // Users 8 and 9 were never withdrawn: their repairs show the reconciler has been through.
        await _scenario.WaitForRowsAsync(campaignId, 2, TimeSpan.FromSeconds(30));

        Assert.False(await _scenario.HasRowAsync(campaignId, 7));
        Assert.False(await redis.GetDatabase().HashExistsAsync(winners, 7));
        Assert.True(await _scenario.HasRowAsync(campaignId, 9));
        Assert.Equal(2, await _scenario.AssertInvariantsAsync(campaignId));
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
