using System.Net;
using System.Net.Http.Headers;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;
using StackExchange.Redis;

namespace Coupon.Tests.Worker;

[Collection(StackCollection.Name)]
public sealed class RebuildingTests(StackFixture stack) : IDisposable
{
    private const int Quantity = 20;

    private readonly WorkerScenario _scenario = new(stack);

    [Fact]
    public async Task Redis_restarted_empty_answers_503_then_rebuilds_and_never_issues_past_the_quantity()
    {
        var shared = await stack.SharedProjectsAsync();
        var couponId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, Quantity);
        using var api = new HttpClient { BaseAddress = shared.Api.BaseAddress };
        for (var userId = 1; userId <= 12; userId++)
            Assert.Equal(HttpStatusCode.Accepted, await IssueAsync(api, couponId, userId));
        await _scenario.WaitForRowsAsync(couponId, 12, TimeSpan.FromSeconds(30));

        await stack.RestartRedisEmptyAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await IssueAsync(api, couponId, 13));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        HttpStatusCode status;
        while ((status = await IssueAsync(api, couponId, 13)) == HttpStatusCode.ServiceUnavailable && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(500);
        Assert.Equal(HttpStatusCode.Accepted, status);

        // The rebuilt state still knows the earlier winners and the count.
        Assert.Equal(HttpStatusCode.Conflict, await IssueAsync(api, couponId, 1));
        var storm = await Task.WhenAll(Enumerable.Range(14, 60).Select(userId => IssueAsync(api, couponId, userId)));
        Assert.Equal(Quantity - 13, storm.Count(s => s == HttpStatusCode.Accepted));
        Assert.All(storm, s => Assert.Contains(s, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));

        await _scenario.WaitForRowsAsync(couponId, Quantity, TimeSpan.FromSeconds(30));
        Assert.Equal(Quantity, await _scenario.AssertInvariantsAsync(couponId));
    }

    [Fact]
    public async Task Redis_losing_some_winners_answers_503_then_rebuilds_and_never_issues_past_the_quantity()
    {
        var shared = await stack.SharedProjectsAsync();
        var couponId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, Quantity);
        using var api = new HttpClient { BaseAddress = shared.Api.BaseAddress };
        for (var userId = 1; userId <= Quantity; userId++)
            Assert.Equal(HttpStatusCode.Accepted, await IssueAsync(api, couponId, userId));
        await _scenario.WaitForRowsAsync(couponId, Quantity, TimeSpan.FromSeconds(30));
        // The api learns the persisted count when it reloads the campaign (every 2 s, on use);
        // the worker's check would find the loss within a second in any case.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Conflict, await IssueAsync(api, couponId, 1));
        await Task.Delay(TimeSpan.FromSeconds(0.5));

        // As after a failover to a replica that had not received the last winners.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString))
            await redis.GetDatabase().HashDeleteAsync(new CampaignKeys(couponId).Winners, [1, 2, 3]);

        // Sold out all along: never a 202, a 503 while the state is rebuilt, then sold out again.
        var answers = new List<HttpStatusCode>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (DateTimeOffset.UtcNow < deadline && !(answers.Contains(HttpStatusCode.ServiceUnavailable) && answers[^1] == HttpStatusCode.Conflict))
        {
            answers.Add(await IssueAsync(api, couponId, 100 + answers.Count));
            await Task.Delay(100);
        }
        Assert.DoesNotContain(HttpStatusCode.Accepted, answers);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, answers);
        Assert.Equal(HttpStatusCode.Conflict, answers[^1]);
        Assert.Equal(HttpStatusCode.Conflict, await IssueAsync(api, couponId, 1));
        Assert.Equal(Quantity, await _scenario.AssertInvariantsAsync(couponId));
    }

    private async Task<HttpStatusCode> IssueAsync(HttpClient api, long couponId, long userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{couponId}/issue");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.Tokens.CreateUserToken(userId, TimeSpan.FromMinutes(5)));
        using var response = await api.SendAsync(request);
        return response.StatusCode;
    }

    public void Dispose() => _scenario.Dispose();
}
