using System.Net;
using System.Net.Http.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Drawing;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;

namespace Coupon.Tests.Drawing;

// A campaign opened as a draw, through the real api, Redis, Kafka, worker and MySQL: entering in
// the window, the one draw its seed decides, and first come for what it leaves.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class DrawTests(StackFixture stack) : SharedApiTests(stack)
{
    [Fact]
    public async Task Everyone_who_asks_in_the_window_enters_and_the_draw_gives_the_coupons_to_the_winners_its_seed_names()
    {
        var start = (await Redis.NowAsync()).AddSeconds(3);
        var campaign = await Api.CreateDrawAsync(5, start, start.AddMinutes(10), windowSeconds: 3);
        var announced = await Api.CampaignAsync(campaign.Id);
        Assert.Equal(OpeningMode.Draw, announced.OpeningMode);
        Assert.Matches("^[0-9a-f]{64}$", announced.Draw!.SeedHash);
        Assert.Null(announced.Draw.Seed);
        Assert.Equal(start.AddSeconds(3), announced.Draw.DrawAt);

        using (var early = await Api.IssueAsync(campaign.Id, 100))
            await ProblemAssert.IsProblemAsync(early, HttpStatusCode.Conflict, ProblemCodes.NotOpenYet);

        await Redis.WaitUntilAsync(start);
        List<long> entrants = [.. Enumerable.Range(101, 20).Select(user => (long)user)];
        foreach (var status in await Task.WhenAll(entrants.Select(user => EnterAsync(campaign.Id, user))))
            Assert.Equal(IssueStatus.Entered, status);
        using (var again = await Api.IssueAsync(campaign.Id, 103))
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, ProblemCodes.AlreadyEntered);
        Assert.Equal(IssueStatus.Entered, (await Api.StatusAsync(campaign.Id, 103)).Status);
        Assert.Equal(20, (await Api.CampaignAsync(campaign.Id)).Draw!.Entrants);

        // The window has ended; the draw is DrawGrace (5 s) away.
        await Redis.WaitUntilAsync(start.AddSeconds(3));
        using (var waiting = await Api.IssueAsync(campaign.Id, 200))
            await ProblemAssert.IsProblemAsync(waiting, HttpStatusCode.ServiceUnavailable, ProblemCodes.Drawing);

        var winners = await AssertDrawnAsync(campaign.Id, 5, entrants);
        foreach (var user in entrants)
            Assert.Equal(winners.Contains(user) ? IssueStatus.Issued : IssueStatus.NotDrawn, (await Api.StatusAsync(campaign.Id, user)).Status);
        // The draw gave every coupon: first come finds none left, winner or not.
        Assert.Equal(HttpStatusCode.Conflict, await IssueOnceBackAsync(campaign.Id, 200));
        using (var winner = await Api.IssueAsync(campaign.Id, winners[0]))
            await ProblemAssert.IsProblemAsync(winner, HttpStatusCode.Conflict, ProblemCodes.SoldOut);
        await Invariants.AssertAsync(campaign.Id, 5, accepted: [], refused: [100, 200]);
    }

    [Fact]
    public async Task What_the_draw_leaves_is_first_come_first_served_for_the_rest_of_the_window()
    {
        var start = (await Redis.NowAsync()).AddSeconds(2);
        var campaign = await Api.CreateDrawAsync(10, start, start.AddMinutes(10), windowSeconds: 2);
        await Redis.WaitUntilAsync(start);
        List<long> entrants = [301, 302, 303];
        foreach (var user in entrants)
            Assert.Equal(IssueStatus.Entered, await EnterAsync(campaign.Id, user));

        Assert.Equal(entrants, (await AssertDrawnAsync(campaign.Id, 10, entrants)).Order());
        // 503 until Redis has the draw's winners, moments after MySQL.
        Assert.Equal(HttpStatusCode.Conflict, await IssueOnceBackAsync(campaign.Id, 301));
        using (var drawn = await Api.IssueAsync(campaign.Id, 301))
            await ProblemAssert.IsProblemAsync(drawn, HttpStatusCode.Conflict, ProblemCodes.AlreadyIssued);
        Assert.Equal(HttpStatusCode.Accepted, await IssueOnceBackAsync(campaign.Id, 304));
        var latecomers = Enumerable.Range(305, 11).Select(user => (long)user).ToList();
        var answers = new List<(long User, HttpStatusCode Status)>();
        foreach (var user in latecomers)
        {
            using var response = await Api.IssueAsync(campaign.Id, user);
            answers.Add((user, response.StatusCode));
        }
        Assert.Equal(6, answers.Count(a => a.Status == HttpStatusCode.Accepted));
        Assert.All(answers.Skip(6), a => Assert.Equal(HttpStatusCode.Conflict, a.Status));
        await Invariants.AssertAsync(campaign.Id, 10,
            accepted: [304, .. answers.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.User)],
            refused: [.. answers.Where(a => a.Status != HttpStatusCode.Accepted).Select(a => a.User)]);
        Assert.Equal(10, (await Invariants.RowsAsync(campaign.Id)).Count);
    }

    [Fact]
    public async Task The_opening_can_change_until_the_window_opens_and_never_after()
    {
        var now = await Redis.NowAsync();
        var scheduled = await Api.CreateCampaignAsync(10, now.AddHours(1), now.AddHours(2));
        var hash = (await Api.CampaignAsync(scheduled.Id)).Draw;
        Assert.Null(hash);
        var asDraw = await EditAsync(scheduled.Id, Request(scheduled, OpeningMode.Draw, 60));
        Assert.Equal(HttpStatusCode.OK, asDraw.Status);
        var committed = (await Api.CampaignAsync(scheduled.Id)).Draw!.SeedHash;
        Assert.Equal(HttpStatusCode.OK, (await EditAsync(scheduled.Id, Request(scheduled, OpeningMode.FirstCome, null))).Status);
        Assert.Equal(HttpStatusCode.OK, (await EditAsync(scheduled.Id, Request(scheduled, OpeningMode.Draw, 30))).Status);
        // The seed was committed to at creation: switching back and forth keeps it.
        Assert.Equal(committed, (await Api.CampaignAsync(scheduled.Id)).Draw!.SeedHash);

        // A draw whose window would be over already is refused, as a create and as an edit.
        using (var over = await Api.SendAsync(HttpMethod.Post, "/api/admin/coupons", Api.OperatorToken, JsonContent.Create(
            new CampaignRequest("Over", 10, 1m, 0m, now.AddMinutes(-10), now.AddHours(1), OpeningMode.Draw, 60))))
            await ProblemAssert.IsProblemAsync(over, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        Assert.Equal(HttpStatusCode.BadRequest, (await EditAsync(scheduled.Id,
            Request(scheduled, OpeningMode.Draw, 60) with { IssueStart = now.AddMinutes(-10) })).Status);

        var open = await Api.CreateDrawAsync(10, now.AddSeconds(-1), now.AddHours(1), windowSeconds: 600);
        var firstComeOpen = await Api.CreateOpenCampaignAsync(10, now);
        foreach (var (id, request) in new[]
        {
            (open.Id, Request(open, OpeningMode.FirstCome, null)),
            (open.Id, Request(open, OpeningMode.Draw, 300)),
            (open.Id, Request(open, OpeningMode.Draw, 600) with { IssueStart = open.IssueStart.AddSeconds(30) }),
            (firstComeOpen.Id, Request(firstComeOpen, OpeningMode.Draw, 60)),
        })
        {
            var (status, body) = await EditAsync(id, request);
            Assert.True(status == HttpStatusCode.Conflict && body.Contains(ProblemCodes.OpeningLocked, StringComparison.Ordinal), $"{request}: {(int)status} {body}");
        }
        // Everything else stays editable.
        Assert.Equal(HttpStatusCode.OK, (await EditAsync(open.Id, Request(open, OpeningMode.Draw, 600) with { Title = "Renamed draw" })).Status);
        var after = await Api.CampaignAsync(open.Id);
        Assert.Equal((OpeningMode.Draw, 600, "Renamed draw"), (after.OpeningMode, after.Draw!.WindowSeconds, after.Title));
    }

    private static CampaignRequest Request(CampaignView campaign, OpeningMode mode, int? window) =>
        new(campaign.Title, campaign.TotalQuantity, campaign.DiscountAmount, campaign.MinOrderAmount, campaign.IssueStart, campaign.IssueEnd, mode, window);

    private async Task<(HttpStatusCode Status, string Body)> EditAsync(long id, CampaignRequest request)
    {
        using var response = await Api.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{id}", Api.OperatorToken, JsonContent.Create(request));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // The status of a 202 (entered), or the problem's code.
    private async Task<string> EnterAsync(long campaignId, long userId)
    {
        using var response = await Api.IssueAsync(campaignId, userId);
        return response.StatusCode == HttpStatusCode.Accepted
            ? (await response.Content.ReadFromJsonAsync<IssueStatus>())!.Status
            : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    // Once the draw is made: its published seed matches the hash published before, the entrants
    // in MySQL are exactly these, and the rows are exactly the winners the seed gives. The winners.
    private async Task<IReadOnlyList<long>> AssertDrawnAsync(long campaignId, int quantity, IReadOnlyList<long> entrants)
    {
        var drawn = await DrawTiming.DrawnAsync(Api, campaignId);
        var draw = drawn.Draw!;
        Assert.Equal(draw.SeedHash, DrawAlgorithm.Hash(draw.Seed!));
        var inDraw = await Invariants.EntrantsAsync(campaignId);
        Assert.Equal(entrants.Order(), inDraw);
        var winners = DrawAlgorithm.Winners(draw.Seed!, inDraw, quantity);
        Assert.Equal(winners.Order(), (await Invariants.RowsAsync(campaignId)).Order());
        Assert.Equal((entrants.Count, winners.Count), (draw.Entrants, draw.Winners));
        return winners;
    }
}
