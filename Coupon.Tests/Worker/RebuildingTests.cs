using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
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
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, Quantity);
        using var api = new HttpClient { BaseAddress = shared.Api.BaseAddress };
        for (var userId = 1; userId <= 12; userId++)
            Assert.Equal(HttpStatusCode.Accepted, await IssueAsync(api, campaignId, userId));
        await _scenario.WaitForRowsAsync(campaignId, 12, TimeSpan.FromSeconds(30));

        await stack.RestartRedisEmptyAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await IssueAsync(api, campaignId, 13));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        HttpStatusCode status;
        while ((status = await IssueAsync(api, campaignId, 13)) == HttpStatusCode.ServiceUnavailable && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(500);
        Assert.Equal(HttpStatusCode.Accepted, status);

        // The rebuilt state still knows the earlier winners and the count.
        Assert.Equal(HttpStatusCode.Conflict, await IssueAsync(api, campaignId, 1));
        var storm = await Task.WhenAll(Enumerable.Range(14, 60).Select(userId => IssueAsync(api, campaignId, userId)));
        Assert.Equal(Quantity - 13, storm.Count(s => s == HttpStatusCode.Accepted));
        Assert.All(storm, s => Assert.Contains(s, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));

        await _scenario.WaitForRowsAsync(campaignId, Quantity, TimeSpan.FromSeconds(30));
        Assert.Equal(Quantity, await _scenario.AssertInvariantsAsync(campaignId));
    }

    [Fact]
    public async Task Redis_losing_some_winners_answers_503_then_rebuilds_and_never_issues_past_the_quantity()
    {
        var shared = await stack.SharedProjectsAsync();
        var campaignId = await _scenario.CreateCampaignAsync(shared.Api.BaseAddress, Quantity);
        using var api = new HttpClient { BaseAddress = shared.Api.BaseAddress };
        for (var userId = 1; userId <= Quantity; userId++)
            Assert.Equal(HttpStatusCode.Accepted, await IssueAsync(api, campaignId, userId));
        await _scenario.WaitForRowsAsync(campaignId, Quantity, TimeSpan.FromSeconds(30));
        // The api learns the persisted count when it reloads the campaign (every 2 s, on use);
        // the worker's check would find the loss within a second in any case.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Conflict, await IssueAsync(api, campaignId, 1));
        await Task.Delay(TimeSpan.FromSeconds(0.5));

        // As after a failover to a replica that had not received the last winners.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString))
            await redis.GetDatabase().HashDeleteAsync(new CampaignKeys(campaignId).Winners, [1, 2, 3]);

        // Sold out all along: never a 202, a 503 while the state is rebuilt, then sold out again.
        var answers = new List<HttpStatusCode>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (DateTimeOffset.UtcNow < deadline && !(answers.Contains(HttpStatusCode.ServiceUnavailable) && answers[^1] == HttpStatusCode.Conflict))
        {
            answers.Add(await IssueAsync(api, campaignId, 100 + answers.Count));
            await Task.Delay(100);
        }
        Assert.DoesNotContain(HttpStatusCode.Accepted, answers);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, answers);
        Assert.Equal(HttpStatusCode.Conflict, answers[^1]);
        Assert.Equal(HttpStatusCode.Conflict, await IssueAsync(api, campaignId, 1));
        Assert.Equal(Quantity, await _scenario.AssertInvariantsAsync(campaignId));
    }

    [Fact]
    public async Task A_campaign_that_has_ended_is_rebuilt_too_so_its_counts_are_right_and_it_can_be_edited()
    {
        var shared = await stack.SharedProjectsAsync();
        using var api = new IssuingClient(shared.Api.BaseAddress, stack.Tokens);
        await using var redis = new RedisProbe(stack.RedisConnectionString);
        var now = await redis.NowAsync();
        var campaign = await api.CreateCampaignAsync(Quantity, now.AddMinutes(-1), now.AddSeconds(3));
        foreach (var userId in new long[] { 1, 2, 3 })
        {
            using var issued = await api.IssueAsync(campaign.Id, userId);
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        }
        await _scenario.WaitForRowsAsync(campaign.Id, 3, TimeSpan.FromSeconds(30));
        await redis.WaitUntilAsync(campaign.IssueEnd);

        await stack.RestartRedisEmptyAsync();

        // Reopened by an operator: answered 503 only until the worker has rebuilt the state.
        var reopen = new CampaignRequest(campaign.Title, Quantity, campaign.DiscountAmount, campaign.MinOrderAmount,
            campaign.IssueStart, DateTimeOffset.UtcNow.AddHours(1));
        var edited = await Poll.UntilAsync(async () =>
        {
            using var edit = await api.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", api.OperatorToken, JsonContent.Create(reopen));
            return edit.StatusCode;
        }, status => status != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, edited);

        using (var stats = await api.SendAsync(HttpMethod.Get, $"/api/admin/coupons/{campaign.Id}/stats", api.OperatorToken))
        {
            var counts = (await stats.Content.ReadFromJsonAsync<CampaignStats>())!;
            Assert.Equal((3L, 3L), (counts.Accepted, counts.Persisted));
        }
        using (var again = await api.IssueAsync(campaign.Id, 1))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using (var next = await api.IssueAsync(campaign.Id, 4))
            Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        await _scenario.WaitForRowsAsync(campaign.Id, 4, TimeSpan.FromSeconds(30));
        Assert.Equal(4, await _scenario.AssertInvariantsAsync(campaign.Id));
    }

    private async Task<HttpStatusCode> IssueAsync(HttpClient api, long campaignId, long userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{campaignId}/issue");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.Tokens.CreateUserToken(userId, TimeSpan.FromMinutes(5)));
        using var response = await api.SendAsync(request);
        return response.StatusCode;
    }

    public void Dispose() => _scenario.Dispose();
}
