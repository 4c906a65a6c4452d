using Coupon.Core.Data;
using Coupon.Core.Messaging;
using Coupon.Tests.Fixture;
using Coupon.Worker.Persisting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.Tests.Worker;

// The batch writer alone against the real MariaDB: the last line of defence on the quantity,
// and idempotence when a batch is replayed.
[Collection(StackCollection.Name)]
public sealed class IssueBatchWriterTests(StackFixture stack) : IDisposable
{
    private readonly WorkerScenario _scenario = new(stack);

    [Fact]
    public async Task A_batch_never_takes_a_campaign_past_its_quantity_and_a_replay_inserts_nothing()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, totalQuantity: 3);
        await using var services = new ServiceCollection()
            .AddDbContext<CouponDbContext>(o => o.UseMySql(stack.CouponDbConnectionString, CouponDbContext.DefaultServerVersion))
            .BuildServiceProvider();
        var writer = new IssueBatchWriter(services.GetRequiredService<IServiceScopeFactory>());
        var start = DateTimeOffset.UtcNow;
        CouponIssuedEvent[] batch = [.. Enumerable.Range(1, 5).Select(u => new CouponIssuedEvent(campaignId, u, start.AddMilliseconds(u)))];

        var first = await writer.WriteAsync(batch, CancellationToken.None);
        var replay = await writer.WriteAsync(batch, CancellationToken.None);

        Assert.Equal((3, 0), (first.Inserted, first.Duplicates));
        Assert.Equal([4L, 5L], first.Excess.Select(e => e.UserId));
        Assert.Equal((0, 3), (replay.Inserted, replay.Duplicates));
        Assert.Equal(3, await _scenario.AssertInvariantsAsync(campaignId));
        Assert.True(await _scenario.HasRowAsync(campaignId, 1));
    }

    public void Dispose() => _scenario.Dispose();
}
