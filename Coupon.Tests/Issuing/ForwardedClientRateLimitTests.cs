using System.Net;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// Behind a configured proxy the anonymous limit is per forwarded client, not per proxy: the
// spare api is behind DCP's proxy, which connects from loopback and forwards no header itself.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class ForwardedClientRateLimitTests(StackFixture stack) : SharedApiTests(stack)
{
    [Fact]
    public async Task Two_clients_forwarded_by_a_configured_proxy_do_not_share_the_anonymous_limit()
    {
        await using var api = await Stack.StartProjectAsync(CouponProject.Api, new Dictionary<string, string?>
        {
            ["Api__AnonymousRateLimit__PermitLimit"] = "3",
            ["Api__AnonymousRateLimit__Window"] = "00:01:00",
            ["ForwardedHeaders__KnownNetworks__0"] = "127.0.0.0/8",
        });
        using var client = new IssuingClient(api.BaseAddress, Stack.Tokens);
        var campaign = await client.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        for (var i = 0; i < 3; i++)
        {
            using var read = await ReadAsync(http, campaign.Id, forwardedFor: "203.0.113.20");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        using (var limited = await ReadAsync(http, campaign.Id, forwardedFor: "203.0.113.20"))
            await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);

        using var other = await ReadAsync(http, campaign.Id, forwardedFor: "203.0.113.21");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private static Task<HttpResponseMessage> ReadAsync(HttpClient http, long campaignId, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/coupons/{campaignId}");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return http.SendAsync(request);
    }
}
