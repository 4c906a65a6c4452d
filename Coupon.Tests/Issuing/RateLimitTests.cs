using System.Net;
using Coupon.Testing;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// The per-user limit on the issue endpoint: past it a user gets 429 + Retry-After and nothing is
// recorded, while other users are not slowed by it. Anonymous reads are limited per client.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class RateLimitTests(StackFixture stack) : SharedApiTests(stack)
{
    [Fact]
    public async Task A_user_past_the_limit_gets_429_and_others_do_not()
    {
        // The shared worker (started by the base) persists what this api accepts.
        await using var api = await Stack.StartProjectAsync(CouponProject.Api, new Dictionary<string, string?>
        {
            ["Issuing__RateLimit__PermitLimit"] = "2",
            ["Issuing__RateLimit__Window"] = "00:01:00",
        });
        using var client = new IssuingClient(api.BaseAddress, Stack.Tokens);
        var campaign = await client.CreateOpenCampaignAsync(10, await Redis.NowAsync());

        using (var first = await client.IssueAsync(campaign.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using (var second = await client.IssueAsync(campaign.Id, 1))
            await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Conflict, ProblemCodes.AlreadyIssued);
        using (var third = await client.IssueAsync(campaign.Id, 1))
        {
            await ProblemAssert.IsProblemAsync(third, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
            Assert.True(third.Headers.RetryAfter is not null, "429 without Retry-After");
        }

        using (var other = await client.IssueAsync(campaign.Id, 2))
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);

        await Invariants.AssertAsync(campaign.Id, 10, accepted: [1, 2], refused: []);
    }

    [Fact]
    public async Task A_client_past_the_anonymous_limit_gets_429()
    {
        await using var api = await Stack.StartProjectAsync(CouponProject.Api, new Dictionary<string, string?>
        {
            ["Api__AnonymousRateLimit__PermitLimit"] = "3",
            ["Api__AnonymousRateLimit__Window"] = "00:01:00",
        });
        using var client = new IssuingClient(api.BaseAddress, Stack.Tokens);
        var campaign = await client.CreateOpenCampaignAsync(10, await Redis.NowAsync());

        for (var i = 0; i < 3; i++)
        {
            using var read = await client.SendAsync(HttpMethod.Get, $"/api/coupons/{campaign.Id}", null);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        using var limited = await client.SendAsync(HttpMethod.Get, $"/api/coupons/{campaign.Id}", null);
        await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.True(limited.Headers.RetryAfter is not null, "429 without Retry-After");
    }
}
