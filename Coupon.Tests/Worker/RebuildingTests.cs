using System.Net;
using System.Net.Http.Headers;
using Coupon.Tests.Fixture;

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

    private async Task<HttpStatusCode> IssueAsync(HttpClient api, long couponId, long userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{couponId}/issue");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.Tokens.CreateUserToken(userId, TimeSpan.FromMinutes(5)));
        using var response = await api.SendAsync(request);
        return response.StatusCode;
    }

    public void Dispose() => _scenario.Dispose();
}
