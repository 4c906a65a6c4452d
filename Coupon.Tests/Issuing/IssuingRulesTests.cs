using System.Net;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// Each of the three rules alone, through the real api, Redis, Kafka and worker.
[Collection(StackCollection.Name)]
public sealed class IssuingRulesTests(StackFixture stack) : SharedApiTests(stack)
{
    [Fact]
    public async Task The_window_opens_and_closes_by_redis_time()
    {
        // Margins wide enough for a busy machine; the exact edges are IssueScriptTests' business.
        var now = await Redis.NowAsync();
        var start = now.AddSeconds(3);
        var end = start.AddSeconds(3);
        var campaign = await Api.CreateCampaignAsync(10, start, end);

        using (var early = await Api.IssueAsync(campaign.Id, 1))
            await ProblemAssert.IsProblemAsync(early, HttpStatusCode.Conflict, ProblemCodes.NotOpenYet);

        await Redis.WaitUntilAsync(start);
        using (var inside = await Api.IssueAsync(campaign.Id, 2))
            Assert.Equal(HttpStatusCode.Accepted, inside.StatusCode);

        await Redis.WaitUntilAsync(end);
        using (var late = await Api.IssueAsync(campaign.Id, 3))
            await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, ProblemCodes.Closed);

        await Invariants.AssertAsync(campaign.Id, 10, accepted: [2], refused: [1, 3]);
    }

    [Fact]
    public async Task Far_outside_the_window_the_cache_answers_alike()
    {
        var now = await Redis.NowAsync();
        var future = await Api.CreateCampaignAsync(10, now.AddHours(1), now.AddHours(2));
        var past = await Api.CreateCampaignAsync(10, now.AddHours(-2), now.AddHours(-1));

        using (var early = await Api.IssueAsync(future.Id, 1))
            await ProblemAssert.IsProblemAsync(early, HttpStatusCode.Conflict, ProblemCodes.NotOpenYet);
        using (var late = await Api.IssueAsync(past.Id, 1))
            await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, ProblemCodes.Closed);

        await Invariants.AssertAsync(future.Id, 10, accepted: [], refused: [1]);
        await Invariants.AssertAsync(past.Id, 10, accepted: [], refused: [1]);
    }

    [Fact]
    public async Task Sold_out_closed_and_not_open_yet_are_answered_without_a_token_and_an_open_campaign_still_needs_one()
    {
        var now = await Redis.NowAsync();
        var soldOut = await Api.CreateOpenCampaignAsync(1, now);
        var past = await Api.CreateCampaignAsync(10, now.AddHours(-2), now.AddHours(-1));
        var future = await Api.CreateCampaignAsync(10, now.AddHours(1), now.AddHours(2));
        var open = await Api.CreateOpenCampaignAsync(10, now);
        using (var winner = await Api.IssueAsync(soldOut.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, winner.StatusCode);

        foreach (var token in (string?[])[null, "not-a-jwt"])
        {
            // The api remembers a sold-out answer for a second (CampaignCache:SoldOutMemory): each
            // try first has it answered to a user with a token, then asks without one.
            var soldOutAnswers = new List<HttpStatusCode>();
            for (var attempt = 0; attempt < 5 && soldOutAnswers.LastOrDefault() != HttpStatusCode.Conflict; attempt++)
            {
                using (var late = await Api.IssueAsync(soldOut.Id, 2))
                    await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, ProblemCodes.SoldOut);
                using var answered = await Api.SendAsync(HttpMethod.Post, $"/api/coupons/{soldOut.Id}/issue", token);
                soldOutAnswers.Add(answered.StatusCode);
                if (answered.StatusCode == HttpStatusCode.Conflict)
                    await ProblemAssert.IsProblemAsync(answered, HttpStatusCode.Conflict, ProblemCodes.SoldOut);
            }
            Assert.All(soldOutAnswers, status => Assert.Contains(status, (HttpStatusCode[])[HttpStatusCode.Conflict, HttpStatusCode.Unauthorized]));
            Assert.Equal(HttpStatusCode.Conflict, soldOutAnswers.Last());
            foreach (var (campaignId, code) in (IEnumerable<(long, string)>)[(past.Id, ProblemCodes.Closed), (future.Id, ProblemCodes.NotOpenYet)])
            {
                using var answered = await Api.SendAsync(HttpMethod.Post, $"/api/coupons/{campaignId}/issue", token);
                await ProblemAssert.IsProblemAsync(answered, HttpStatusCode.Conflict, code);
            }
            using var refused = await Api.SendAsync(HttpMethod.Post, $"/api/coupons/{open.Id}/issue", token);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        }

        await Invariants.AssertAsync(soldOut.Id, 1, accepted: [1], refused: [2]);
        await Invariants.AssertAsync(open.Id, 10, accepted: [], refused: []);
        Assert.Equal(0, await Redis.WinnersAsync(open.Id));
    }

    [Fact]
    public async Task One_coupon_per_user()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());

        using (var first = await Api.IssueAsync(campaign.Id, 7))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        for (var i = 0; i < 3; i++)
        {
            using var again = await Api.IssueAsync(campaign.Id, 7);
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, ProblemCodes.AlreadyIssued);
        }

        await Invariants.AssertAsync(campaign.Id, 10, accepted: [7], refused: []);
        var status = await Api.StatusAsync(campaign.Id, 7);
        Assert.Equal(IssueStatus.Issued, status.Status);
        Assert.NotNull(status.IssuedAt);
        Assert.Equal(IssueStatus.None, (await Api.StatusAsync(campaign.Id, 8)).Status);
    }

    [Fact]
    public async Task Never_more_than_the_quantity()
    {
        var campaign = await Api.CreateOpenCampaignAsync(3, await Redis.NowAsync());
        List<long> accepted = [], refused = [];

        for (long user = 1; user <= 8; user++)
        {
            using var response = await Api.IssueAsync(campaign.Id, user);
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

        await Invariants.AssertAsync(campaign.Id, 3, accepted, refused);
        Assert.Equal(3, await Redis.WinnersAsync(campaign.Id));
    }

    [Fact]
    public async Task An_unlimited_campaign_issues_to_everyone()
    {
        var campaign = await Api.CreateOpenCampaignAsync(null, await Redis.NowAsync());
        var users = Enumerable.Range(1, 40).Select(u => (long)u).ToList();

        var responses = await Task.WhenAll(users.Select(u => Api.IssueAsync(campaign.Id, u)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Array.ForEach(responses, r => r.Dispose());

        await Invariants.AssertAsync(campaign.Id, null, users, refused: []);
        using var mine = await Api.SendAsync(HttpMethod.Get, "/api/users/me/coupons", Api.UserToken(1));
        var coupons = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<List<UserCoupon>>(mine.Content);
        Assert.Contains(coupons!, c => c.CampaignId == campaign.Id);
    }
}
