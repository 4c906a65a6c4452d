using System.Net;
using System.Net.Http.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// The operator endpoints: create, edit, list, stats and the system page, with MySQL and Redis
// written together.
[Collection(StackCollection.Name)]
public sealed class CampaignAdminTests(StackFixture stack) : IAsyncLifetime
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
    public async Task Create_answers_201_with_a_location_and_writes_redis()
    {
        var now = await _redis.NowAsync();
        var request = new CampaignRequest("  Winter sale  ", 100, 3000m, 20000m, now.AddMinutes(-1), now.AddHours(1));

        using var created = await _api.SendAsync(HttpMethod.Post, "/api/admin/coupons", _api.OperatorToken, JsonContent.Create(request));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = (await created.Content.ReadFromJsonAsync<CampaignView>())!;
        Assert.Equal(("Winter sale", 100, 3000m, 20000m, CampaignState.Open, 100L), (view.Title, view.TotalQuantity.GetValueOrDefault(), view.DiscountAmount, view.MinOrderAmount, view.State, view.Remaining.GetValueOrDefault()));

        using var located = await _api.SendAsync(HttpMethod.Get, created.Headers.Location!.ToString(), _api.OperatorToken);
        Assert.Equal(view.Id, (await located.Content.ReadFromJsonAsync<CampaignView>())!.Id);
        var meta = (await (await _redis.DatabaseAsync()).HashGetAllAsync(new CampaignKeys(view.Id).Meta)).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        Assert.Equal(100, meta["total"]);
        Assert.Equal(now.AddMinutes(-1).ToUnixTimeMilliseconds(), meta["start"]);

        using var campaign = await _api.SendAsync(HttpMethod.Get, $"/api/coupons/{view.Id}", null);
        var info = (await campaign.Content.ReadFromJsonAsync<PublicCampaign>())!;
        Assert.Equal((CampaignState.Open, 100L), (info.State, info.Remaining.GetValueOrDefault()));
    }

    [Fact]
    public async Task An_edit_changes_mysql_and_redis_and_issuing_follows_it()
    {
        var campaign = await _api.CreateOpenCampaignAsync(1, await _redis.NowAsync());
        using (var first = await _api.IssueAsync(campaign.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using (var soldOut = await _api.IssueAsync(campaign.Id, 2))
            await ProblemAssert.IsProblemAsync(soldOut, HttpStatusCode.Conflict, ProblemCodes.SoldOut);

        // Raising the quantity reopens the campaign at once on this instance, sold-out memory included.
        var edit = new CampaignRequest("More coupons", 2, campaign.DiscountAmount, campaign.MinOrderAmount, campaign.IssueStart, campaign.IssueEnd);
        using var edited = await _api.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", _api.OperatorToken, JsonContent.Create(edit));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var view = (await edited.Content.ReadFromJsonAsync<CampaignView>())!;
        Assert.Equal(("More coupons", 2, 1L), (view.Title, view.TotalQuantity.GetValueOrDefault(), view.Accepted));

        using (var second = await _api.IssueAsync(campaign.Id, 2))
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        using (var third = await _api.IssueAsync(campaign.Id, 3))
            await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Conflict, ProblemCodes.SoldOut);

        await _invariants.AssertAsync(campaign.Id, 2, accepted: [1, 2], refused: [3]);
    }

    [Fact]
    public async Task List_and_stats_show_live_counts_and_rejections()
    {
        var campaign = await _api.CreateOpenCampaignAsync(2, await _redis.NowAsync());
        foreach (var user in new long[] { 1, 1, 2, 3 })
            (await _api.IssueAsync(campaign.Id, user)).Dispose();
        await _invariants.AssertAsync(campaign.Id, 2, accepted: [1, 2], refused: [3]);

        using var list = await _api.SendAsync(HttpMethod.Get, "/api/admin/coupons", _api.OperatorToken);
        var listed = (await list.Content.ReadFromJsonAsync<List<CampaignView>>())!.Single(c => c.Id == campaign.Id);
        Assert.Equal((2L, 2L, 0L, CampaignState.SoldOut), (listed.Accepted, listed.Persisted, listed.Remaining.GetValueOrDefault(), listed.State));

        // Rejections reach Redis within the api's flush interval.
        var stats = await Poll.UntilAsync(() => GetAsync<CampaignStats>($"/api/admin/coupons/{campaign.Id}/stats"),
            s => s.Recent.Sum(p => p.Issued) >= 2 && s.Rejections.Count >= 2, TimeSpan.FromSeconds(10));

        Assert.Equal((2L, 2L, 0L), (stats.Accepted, stats.Persisted, stats.Remaining.GetValueOrDefault()));
        Assert.Equal(1, stats.Rejections.GetValueOrDefault(ProblemCodes.AlreadyIssued));
        Assert.Equal(1, stats.Rejections.GetValueOrDefault(ProblemCodes.SoldOut));
        Assert.Equal(2, stats.Recent.Sum(p => p.Issued));
        Assert.Equal(300, stats.Recent.Count);
    }

    [Fact]
    public async Task The_system_page_shows_dependencies_and_workers()
    {
        // Workers write their status every few seconds.
        var status = await Poll.UntilAsync(() => GetAsync<SystemStatus>("/api/admin/system"),
            s => s.Workers.Count > 0, TimeSpan.FromSeconds(10));

        Assert.Equal("Healthy", status.Status);
        Assert.All(new[] { "redis", "kafka", "coupondb" }, name => Assert.Equal("Healthy", status.Dependencies[name].Status));
        Assert.NotEmpty(status.Workers);
    }

    private async Task<T> GetAsync<T>(string path)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, path, _api.OperatorToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }
}
