using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Coupon.Tests.Fixture;
using Xunit.Abstractions;

namespace Coupon.Tests.Issuing;

// The flash sale: many concurrent requests, with repeats, against two campaigns at once.
[Collection(StackCollection.Name)]
public sealed class IssueStormTests(StackFixture stack, ITestOutputHelper output) : SharedApiTests(stack)
{
    private const int Requests = 20_000;
    private const int Users = 5_000;
    private const int InFlight = 128;

    [Fact]
    public async Task A_storm_issues_exactly_the_quantity_and_each_user_once()
    {
        var now = await Redis.NowAsync();
        var large = await Api.CreateOpenCampaignAsync(1_000, now);
        var small = await Api.CreateOpenCampaignAsync(50, now);
        long[] campaigns = [large.Id, small.Id];

        // Every user twice on average per campaign, in a shuffled order; tokens minted up front.
        var random = new Random(20261123);
        var requests = Enumerable.Range(0, Requests)
            .Select(_ => (CampaignId: campaigns[random.Next(2)], UserId: (long)random.Next(1, Users + 1)))
            .ToArray();
        foreach (var userId in requests.Select(r => r.UserId).Distinct())
            Api.UserToken(userId);

        var answers = new ConcurrentBag<(long CampaignId, long UserId, HttpStatusCode Status)>();
        var clock = Stopwatch.StartNew();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var options = new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = bound.Token };
        await Parallel.ForEachAsync(requests, options, async (request, _) =>
        {
            using var response = await Api.IssueAsync(request.CampaignId, request.UserId);
            answers.Add((request.CampaignId, request.UserId, response.StatusCode));
        });
        output.WriteLine($"{Requests} requests in {clock.Elapsed.TotalSeconds:F1} s; " +
            string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{(int)g.Key}: {g.Count()}")));

        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict, HttpStatusCode.TooManyRequests }));
        foreach (var (campaignId, total) in new[] { (large.Id, 1_000), (small.Id, 50) })
        {
            var mine = answers.Where(a => a.CampaignId == campaignId).ToList();
            var accepted = mine.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.UserId).ToList();
            Assert.Equal(accepted.Count, accepted.Distinct().Count());
            Assert.Equal(total, accepted.Count);
            var refused = mine.Select(a => a.UserId).Distinct().Except(accepted).ToList();
            await Invariants.AssertAsync(campaignId, total, accepted, refused);
            Assert.Equal(total, (await Invariants.RowsAsync(campaignId)).Count);
        }
    }
}
