using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// The api's in-process campaign cache seen from a second replica: it follows an edit made
// through the other within its refresh interval, and a hung MySQL costs a request for a
// campaign it does not hold yet a short deadline, not the hang.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class CampaignCacheTests(StackFixture stack) : IAsyncLifetime
{
    private readonly RedisProbe _redis = new(stack.RedisConnectionString);
    private readonly CampaignInvariants _invariants = new(stack.CouponDbConnectionString);
    private ProjectHandle _spare = null!;
    private IssuingClient _one = null!;
    private IssuingClient _other = null!;

    // Two api replicas: the shared one, and a spare that has loaded nothing yet.
    public async Task InitializeAsync()
    {
        var shared = await stack.SharedProjectsAsync();
        _spare = await stack.StartProjectAsync(CouponProject.Api);
        _one = new IssuingClient(shared.Api.BaseAddress, stack.Tokens);
        _other = new IssuingClient(_spare.BaseAddress, stack.Tokens);
    }

    public async Task DisposeAsync()
    {
        _one.Dispose();
        _other.Dispose();
        await _spare.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_campaign_reopened_through_one_api_is_open_on_the_other_within_seconds()
    {
        var now = await _redis.NowAsync();
        var campaign = await _one.CreateCampaignAsync(100, now.AddHours(-2), now.AddHours(-1));
        // The first answer loads it into the other's cache, the second comes from that cache alone.
        foreach (var user in new long[] { 1, 2 })
        {
            using var closed = await _other.IssueAsync(campaign.Id, user);
            await ProblemAssert.IsProblemAsync(closed, HttpStatusCode.Conflict, ProblemCodes.Closed);
        }

        var reopen = new CampaignRequest(campaign.Title, 100, campaign.DiscountAmount, campaign.MinOrderAmount, campaign.IssueStart, now.AddHours(1));
        using (var edited = await _one.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", _one.OperatorToken, JsonContent.Create(reopen)))
            Assert.Equal(HttpStatusCode.OK, edited.StatusCode);

        var followed = Stopwatch.StartNew();
        var status = await Poll.UntilAsync(async () =>
        {
            using var issued = await _other.IssueAsync(campaign.Id, 3);
            return issued.StatusCode;
        }, s => s == HttpStatusCode.Accepted, TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True(followed.Elapsed < TimeSpan.FromSeconds(6), $"The other api followed the edit after {followed.Elapsed}.");
        await _invariants.AssertAsync(campaign.Id, 100, accepted: [3], refused: [1, 2]);
    }

    [Fact]
    public async Task With_mysql_hung_a_campaign_not_yet_cached_answers_503_quickly_and_a_cached_one_keeps_issuing()
    {
        var cached = await _one.CreateOpenCampaignAsync(100, await _redis.NowAsync());
        using (var first = await _other.IssueAsync(cached.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var uncached = await _one.CreateOpenCampaignAsync(100, await _redis.NowAsync());
        // Past the refresh interval: the other api has to ask MySQL about ids above the highest it knows.
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        TimeSpan waited;
        using (FrozenProcess.Freeze(stack.ProcessIdOf("mysql")))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var asked = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{uncached.Id}/issue");
            request.Headers.Authorization = new("Bearer", _other.UserToken(1));
            using var unavailable = await _other.Http.SendAsync(request, deadline.Token);
            waited = asked.Elapsed;
            await ProblemAssert.IsProblemAsync(unavailable, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
            Assert.True(unavailable.Headers.RetryAfter is not null, "A 503 without Retry-After.");

            using var issued = await _other.IssueAsync(cached.Id, 2);
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        }
        Assert.True(waited < TimeSpan.FromSeconds(2.5), $"A campaign load with MySQL hung held the request {waited}.");

        var status = await Poll.UntilAsync(async () =>
        {
            using var issued = await _other.IssueAsync(uncached.Id, 1);
            return issued.StatusCode;
        }, s => s != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Accepted, status);
        await _invariants.AssertAsync(cached.Id, 100, accepted: [1, 2], refused: []);
        await _invariants.AssertAsync(uncached.Id, 100, accepted: [1], refused: []);
    }
}
