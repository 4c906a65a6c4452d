using System.Net;
using Confluent.Kafka;
using Coupon.Core.Contracts;
using Coupon.Kafka;
using Coupon.Tests.Fixture;
using Xunit.Abstractions;

namespace Coupon.Tests.Issuing;

// Kafka refusing or vanishing while coupons are issued: a 503 leaves nothing behind, a crash
// after the Redis step is repaired by the reconciler.
[Collection(StackCollection.Name)]
public sealed class IssueFaultTests(StackFixture stack, ITestOutputHelper output) : IAsyncLifetime
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
        stack.Kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.MsgSizeTooLarge, ErrorCode.MsgSizeTooLarge);
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
    public async Task A_produce_failing_until_the_delivery_timeout_answers_503()
    {
        using var api = new IssuingClient((await stack.SharedProjectsAsync()).Api.BaseAddress, stack.Tokens);
        var campaign = await api.CreateOpenCampaignAsync(10, await _redis.NowAsync());

        // Retriable errors, more than the producer retries within its delivery timeout.
        stack.Kafka.PushRequestErrors(KafkaApi.Produce, RetriableErrors);
        using (var refused = await api.IssueAsync(campaign.Id, 1))
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        Assert.False(await _redis.IsWinnerAsync(campaign.Id, 1));
        stack.Kafka.ClearRequestErrors(KafkaApi.Produce);

        using (var retried = await api.IssueAsync(campaign.Id, 2))
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        await _invariants.AssertAsync(campaign.Id, 10, accepted: [2], refused: [1]);
    }

    [Fact]
    public async Task An_api_killed_between_redis_and_the_kafka_ack_loses_no_coupon()
    {
        // A worker with a short reconcile grace, ready before the fault; the shared api is the
        // one killed (the fixture restarts it for the next test).
        var shared = await stack.SharedProjectsAsync();
        await using var worker = await stack.StartReconcilingWorkerAsync(TimeSpan.FromSeconds(2));
        using var api = new IssuingClient(shared.Api.BaseAddress, stack.Tokens);
        var campaign = await api.CreateOpenCampaignAsync(10, await _redis.NowAsync());

        // Kafka is gone, so the accepted issue waits for its ack; the api dies meanwhile. (Killing
        // a producer in the middle of injected request errors leaves the mock cluster refusing
        // later producers, so the broker is taken down instead.)
        stack.Kafka.SetAllBrokersDown();
        try
        {
            var pending = api.IssueAsync(campaign.Id, 42);
            Assert.True(await Poll.UntilAsync(() => _redis.IsWinnerAsync(campaign.Id, 42), winner => winner, TimeSpan.FromSeconds(4)),
                "The issue script never recorded the winner.");
            shared.Api.Kill();
            // No answer: a reset, or (DCP's proxy holding the client's connection) the client's timeout.
            await Assert.ThrowsAnyAsync<Exception>(() => pending);
        }
        finally
        {
            stack.Kafka.SetAllBrokersUp();
        }

        try
        {
            // The grace period, a reconcile tick and the consumers' reconnection: a busy machine needs a while.
            await _invariants.AssertAsync(campaign.Id, 10, accepted: [42], refused: [], drainTimeout: TimeSpan.FromSeconds(60));
        }
        finally
        {
            // The worker's side of the story, for when the repair does not come.
            foreach (var line in await worker.RecentOutputAsync())
                output.WriteLine(line);
        }
    }

    private static readonly ErrorCode[] RetriableErrors = Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 100).ToArray();
}
