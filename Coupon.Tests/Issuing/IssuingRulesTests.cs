using System.Net;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// Each of the three rules alone, through the real api, Redis, Kafka and worker.
[Collection(StackCollection.Name)]
public sealed class IssuingRulesTests(StackFixture stack) : IAsyncLifetime
{
    private IssuingClient _api = null!;
    private readonly RedisProbe _redis = new(stack.RedisConnectionString);
    private readonly CampaignInvariants _invariants = new(stack.CouponDbConnectionString);

    public async Task InitializeAsync() => _api = new IssuingClient((await stack.SharedProjectsAsync()).Api.BaseAddress, stack.Tokens);

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task The_window_opens_and_closes_by_redis_time()
    {
        // Margins wide enough for a busy machine; the exact edges are IssueScriptTests' business.
        var now = await _redis.NowAsync();
        var start = now.AddSeconds(3);
        var end = start.AddSeconds(3);
        var campaign = await _api.CreateCampaignAsync(10, start, end);

        using (var early = await _api.IssueAsync(campaign.Id, 1))
            await ProblemAssert.IsProblemAsync(early, HttpStatusCode.Conflict, ProblemCodes.NotOpenYet);

        await _redis.WaitUntilAsync(start);
        using (var inside = await _api.IssueAsync(campaign.Id, 2))
            Assert.Equal(HttpStatusCode.Accepted, inside.StatusCode);

        await _redis.WaitUntilAsync(end);
        using (var late = await _api.IssueAsync(campaign.Id, 3))
            await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, ProblemCodes.Closed);

        await _invariants.AssertAsync(campaign.Id, 10, accepted: [2], refused: [1, 3]);
    }

    [Fact]
    public async Task Far_outside_the_window_the_cache_answers_alike()
    {
        var now = await _redis.NowAsync();
        var future = await _api.CreateCampaignAsync(10, now.AddHours(1), now.AddHours(2));
        var past = await _api.CreateCampaignAsync(10, now.AddHours(-2), now.AddHours(-1));

        using (var early = await _api.IssueAsync(future.Id, 1))
            await ProblemAssert.IsProblemAsync(early, HttpStatusCode.Conflict, ProblemCodes.NotOpenYet);
        using (var late = await _api.IssueAsync(past.Id, 1))
            await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, ProblemCodes.Closed);

        await _invariants.AssertAsync(future.Id, 10, accepted: [], refused: [1]);
        await _invariants.AssertAsync(past.Id, 10, accepted: [], refused: [1]);
    }

    [Fact]
    public async Task One_coupon_per_user()
    {
        var campaign = await _api.CreateOpenCampaignAsync(10, await _redis.NowAsync());

        using (var first = await _api.IssueAsync(campaign.Id, 7))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        for (var i = 0; i < 3; i++)
        {
            using var again = await _api.IssueAsync(campaign.Id, 7);
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, ProblemCodes.AlreadyIssued);
        }

        await _invariants.AssertAsync(campaign.Id, 10, accepted: [7], refused: []);
        var status = await _api.StatusAsync(campaign.Id, 7);
        Assert.Equal(IssueStatus.Issued, status.Status);
        Assert.NotNull(status.IssuedAt);
        Assert.Equal(IssueStatus.None, (await _api.StatusAsync(campaign.Id, 8)).Status);
    }

    [Fact]
    public async Task Never_more_than_the_quantity()
    {
        var campaign = await _api.CreateOpenCampaignAsync(3, await _redis.NowAsync());
        List<long> accepted = [], refused = [];

        for (long user = 1; user <= 8; user++)
        {
            using var response = await _api.IssueAsync(campaign.Id, user);
            if (user <= 3)
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                accepted.Add(user);
            }
            else
            {
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, ProblemCodes.SoldOut);
                refused.Add(user);
            }
        }

        await _invariants.AssertAsync(campaign.Id, 3, accepted, refused);
        Assert.Equal(3, await _redis.WinnersAsync(campaign.Id));
    }

    [Fact]
    public async Task An_unlimited_campaign_issues_to_everyone()
    {
        var campaign = await _api.CreateOpenCampaignAsync(null, await _redis.NowAsync());
        var users = Enumerable.Range(1, 40).Select(u => (long)u).ToList();

        var responses = await Task.WhenAll(users.Select(u => _api.IssueAsync(campaign.Id, u)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Array.ForEach(responses, r => r.Dispose());

        await _invariants.AssertAsync(campaign.Id, null, users, refused: []);
        using var mine = await _api.SendAsync(HttpMethod.Get, "/api/users/me/coupons", _api.UserToken(1));
        var coupons = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<List<UserCoupon>>(mine.Content);
        Assert.Contains(coupons!, c => c.CouponId == campaign.Id);
    }
}
