using System.Net;
using Confluent.Kafka;
using Coupon.AppHost.Servers;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// Kafka refusing or vanishing while coupons are issued: a 503 leaves nothing behind, a crash
// after the Redis step is repaired by the reconciler.
[Collection(StackCollection.Name)]
public sealed class IssueFaultTests(StackFixture stack) : IAsyncLifetime
{
    private readonly RedisProbe _redis = new(stack.RedisConnectionString);
    private readonly CampaignInvariants _invariants = new(stack.CouponDbConnectionString);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        stack.Kafka.ClearRequestErrors(KafkaApi.Produce);
        stack.Kafka.SetAllBrokersUp();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_refused_produce_answers_503_and_leaves_no_winner_and_no_row()
    {
        using var api = new IssuingClient((await stack.SharedProjectsAsync()).Api.BaseAddress, stack.Tokens);
        var campaign = await api.CreateOpenCampaignAsync(10, await _redis.NowAsync());

        // Non-retriable broker errors: Kafka surely did not write the event.
        stack.Kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.TopicAuthorizationFailed, ErrorCode.TopicAuthorizationFailed);
        foreach (var user in new long[] { 1, 2 })
        {
            using var refused = await api.IssueAsync(campaign.Id, user);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.False(await _redis.IsWinnerAsync(campaign.Id, user));
        }

        // The same user may retry once Kafka takes events again.
        using (var retried = await api.IssueAsync(campaign.Id, 2))
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);

        await _invariants.AssertAsync(campaign.Id, 10, accepted: [2], refused: [1]);
        Assert.Equal(1, await _redis.WinnersAsync(campaign.Id));
    }

    [Fact]
    public async Task An_unreachable_kafka_answers_503_after_the_delivery_timeout()
    {
        using var api = new IssuingClient((await stack.SharedProjectsAsync()).Api.BaseAddress, stack.Tokens);
        var campaign = await api.CreateOpenCampaignAsync(10, await _redis.NowAsync());

        stack.Kafka.SetAllBrokersDown();
        using (var refused = await api.IssueAsync(campaign.Id, 1))
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        stack.Kafka.SetAllBrokersUp();

        Assert.False(await _redis.IsWinnerAsync(campaign.Id, 1));
        await _invariants.AssertAsync(campaign.Id, 10, accepted: [], refused: [1]);
    }

    [Fact]
    public async Task An_api_killed_between_redis_and_the_kafka_ack_loses_no_coupon()
    {
        await using var apiProcess = await stack.StartProjectAsync(CouponProject.Api);
        await using var worker = await stack.StartProjectAsync(CouponProject.Worker, new Dictionary<string, string?>
        {
            ["Worker__ReconcileInterval"] = "00:00:01",
            ["Worker__ReconcileGrace"] = "00:00:02",
        });
        using var api = new IssuingClient(apiProcess.BaseAddress, stack.Tokens);
        var campaign = await api.CreateOpenCampaignAsync(10, await _redis.NowAsync());

        // The broker goes away, so the accepted issue waits for its ack; the api dies meanwhile.
        stack.Kafka.SetAllBrokersDown();
        var pending = api.IssueAsync(campaign.Id, 42);
        var deadline = DateTime.UtcNow.AddSeconds(4);
        while (!await _redis.IsWinnerAsync(campaign.Id, 42) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.True(await _redis.IsWinnerAsync(campaign.Id, 42), "The issue script never recorded the winner.");
        apiProcess.Kill();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => pending);
        stack.Kafka.SetAllBrokersUp();

        await _invariants.AssertAsync(campaign.Id, 10, accepted: [42], refused: [], drainTimeout: TimeSpan.FromSeconds(40));
    }
}
