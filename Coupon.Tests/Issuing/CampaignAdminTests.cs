using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coupon.Testing;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// The operator endpoints: create, edit, list, stats and the system page, with MySQL and Redis
// written together.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class CampaignAdminTests(StackFixture stack) : SharedApiTests(stack)
{
    [Fact]
    public async Task Create_answers_201_with_a_location_and_writes_redis()
    {
        var now = await Redis.NowAsync();
        var request = new CampaignRequest("  Winter sale  ", 100, 3000m, 20000m, now.AddMinutes(-1), now.AddHours(1));

        using var created = await Api.SendAsync(HttpMethod.Post, "/api/admin/coupons", Api.OperatorToken, JsonContent.Create(request));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = (await created.Content.ReadFromJsonAsync<CampaignView>())!;
        Assert.Equal(("Winter sale", 100, 3000m, 20000m, CampaignState.Open, 100L), (view.Title, view.TotalQuantity.GetValueOrDefault(), view.DiscountAmount, view.MinOrderAmount, view.State, view.Remaining.GetValueOrDefault()));

        using var located = await Api.SendAsync(HttpMethod.Get, created.Headers.Location!.ToString(), Api.OperatorToken);
        Assert.Equal(view.Id, (await located.Content.ReadFromJsonAsync<CampaignView>())!.Id);
        var meta = (await (await Redis.DatabaseAsync()).HashGetAllAsync(new CampaignKeys(view.Id).Meta)).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        Assert.Equal(100, meta["total"]);
        Assert.Equal(now.AddMinutes(-1).ToUnixTimeMilliseconds(), meta["start"]);

        using var campaign = await Api.SendAsync(HttpMethod.Get, $"/api/coupons/{view.Id}", null);
        var info = (await campaign.Content.ReadFromJsonAsync<PublicCampaign>())!;
        Assert.Equal((CampaignState.Open, 100L), (info.State, info.Remaining.GetValueOrDefault()));
    }

    [Fact]
    public async Task An_edit_changes_mysql_and_redis_and_issuing_follows_it()
    {
        var campaign = await Api.CreateOpenCampaignAsync(1, await Redis.NowAsync());
        using (var first = await Api.IssueAsync(campaign.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using (var soldOut = await Api.IssueAsync(campaign.Id, 2))
            await ProblemAssert.IsProblemAsync(soldOut, HttpStatusCode.Conflict, ProblemCodes.SoldOut);

        // Raising the quantity reopens the campaign at once on this instance, sold-out memory included.
        var edit = new CampaignRequest("More coupons", 2, campaign.DiscountAmount, campaign.MinOrderAmount, campaign.IssueStart, campaign.IssueEnd);
        using var edited = await Api.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", Api.OperatorToken, JsonContent.Create(edit));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var view = (await edited.Content.ReadFromJsonAsync<CampaignView>())!;
        Assert.Equal(("More coupons", 2, 1L), (view.Title, view.TotalQuantity.GetValueOrDefault(), view.Accepted));

        using (var second = await Api.IssueAsync(campaign.Id, 2))
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        using (var third = await Api.IssueAsync(campaign.Id, 3))
            await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Conflict, ProblemCodes.SoldOut);

        await Invariants.AssertAsync(campaign.Id, 2, accepted: [1, 2], refused: [3]);
    }

    [Fact]
    public async Task List_and_stats_show_live_counts_and_rejections()
    {
        var campaign = await Api.CreateOpenCampaignAsync(2, await Redis.NowAsync());
        foreach (var user in new long[] { 1, 1, 2, 3 })
            (await Api.IssueAsync(campaign.Id, user)).Dispose();
        await Invariants.AssertAsync(campaign.Id, 2, accepted: [1, 2], refused: [3]);

        using var list = await Api.SendAsync(HttpMethod.Get, "/api/admin/coupons", Api.OperatorToken);
        var listed = (await list.Content.ReadFromJsonAsync<CampaignPage>())!.Items.Single(c => c.Id == campaign.Id);
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
    public async Task The_list_pages_newest_first_through_every_campaign()
    {
        var now = await Redis.NowAsync();
        var created = new List<long>();
        for (var i = 0; i < 3; i++)
            created.Add((await Api.CreateOpenCampaignAsync(5, now)).Id);

        var first = await GetAsync<CampaignPage>("/api/admin/coupons?limit=2");
        Assert.Equal([created[2], created[1]], first.Items.Select(c => c.Id));
        Assert.Equal(created[1], first.Next);
        var second = await GetAsync<CampaignPage>($"/api/admin/coupons?limit=2&before={first.Next}");
        Assert.Equal(created[0], second.Items[0].Id);

        // Walking every page sees each campaign once, newest first, and ends.
        var seen = new List<long>();
        long? before = null;
        do
        {
            var page = await GetAsync<CampaignPage>(before is null ? "/api/admin/coupons?limit=7" : $"/api/admin/coupons?limit=7&before={before}");
            Assert.InRange(page.Items.Count, page.Next is null ? 0 : 7, 7);
            seen.AddRange(page.Items.Select(c => c.Id));
            before = page.Next;
        }
        while (before is not null);
        Assert.Equal(seen.OrderDescending(), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Subset(seen.ToHashSet(), created.ToHashSet());
        Assert.Equal(Math.Min(seen.Count, CampaignPage.DefaultLimit), (await GetAsync<CampaignPage>("/api/admin/coupons")).Items.Count);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("limit=99999999999", "limit")]
    [InlineData("before=0", "before")]
    [InlineData("before=-3", "before")]
    [InlineData("before=abc", "before")]
    [InlineData("before=99999999999999999999", "before")]
    public async Task Bad_page_parameters_are_400_naming_the_parameter(string query, string field)
    {
        using var response = await Api.SendAsync(HttpMethod.Get, $"/api/admin/coupons?{query}", Api.OperatorToken);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
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

    [Fact]
    public async Task A_worker_that_died_without_stopping_ages_out_of_the_worker_list()
    {
        await Stack.SharedProjectsAsync();
        var crashed = new WorkerStatus($"crashed-{Guid.NewGuid():N}", DateTimeOffset.UtcNow - WorkerStatus.ForgottenAfter - TimeSpan.FromSeconds(5), 0, 0, 0, 0);
        var database = await Redis.DatabaseAsync();
        await database.HashSetAsync(CampaignKeys.WorkersKey, crashed.Instance, JsonSerializer.Serialize(crashed, JsonSerializerOptions.Web));

        var status = await GetAsync<SystemStatus>("/api/admin/system");
        Assert.DoesNotContain(status.Workers, w => w.Instance == crashed.Instance);
        // The running worker removes it at its next status round.
        await Poll.UntilAsync(() => database.HashExistsAsync(CampaignKeys.WorkersKey, crashed.Instance), exists => !exists, TimeSpan.FromSeconds(10));
        Assert.False(await database.HashExistsAsync(CampaignKeys.WorkersKey, crashed.Instance));
    }

    private async Task<T> GetAsync<T>(string path)
    {
        using var response = await Api.SendAsync(HttpMethod.Get, path, Api.OperatorToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }
}
