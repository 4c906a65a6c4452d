using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;
using MySqlConnector;
using StackExchange.Redis;

namespace Coupon.Tests.Issuing;

// Campaign creates and edits keep MySQL and Redis agreeing: versions with ETag / If-Match, the
// Idempotency-Key of a create, and creates and edits whose Redis write fails half-way.
[Collection(StackCollection.Name)]
public sealed class CampaignConsistencyTests(StackFixture stack) : SharedApiTests(stack)
{
    private static readonly TimeSpan RebuildTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_edit_with_a_stale_if_match_answers_412_and_changes_neither_store()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        using var loaded = await Api.SendAsync(HttpMethod.Get, $"/api/admin/coupons/{campaign.Id}", Api.OperatorToken);
        var etag = loaded.Headers.ETag!;
        Assert.Equal($"\"{campaign.Version}\"", etag.Tag);

        // Someone else saves first, from the same version.
        using (var theirs = await EditAsync(campaign, "Theirs", 20, etag))
        {
            Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
            Assert.Equal($"\"{campaign.Version + 1}\"", theirs.Headers.ETag!.Tag);
            Assert.Equal(campaign.Version + 1, (await theirs.Content.ReadFromJsonAsync<CampaignView>())!.Version);
        }
        var before = await StoresAsync(campaign.Id);

        using (var mine = await EditAsync(campaign, "Mine", 5, etag))
            await ProblemAssert.IsProblemAsync(mine, HttpStatusCode.PreconditionFailed, ProblemCodes.EditConflict);
        using (var malformed = await EditAsync(campaign, "Mine", 5, null, ifMatch: "not-an-etag"))
            await ProblemAssert.IsProblemAsync(malformed, HttpStatusCode.PreconditionFailed, ProblemCodes.EditConflict);

        var after = await StoresAsync(campaign.Id);
        Assert.Equal(before, after);
        Assert.Equal(("Theirs", 20, campaign.Version + 1), (after.Title, after.TotalQuantity.GetValueOrDefault(), after.Version));
        Assert.True(after.Agree, after.ToString());

        // Without If-Match an edit applies to the current version, as the README says.
        using (var unconditional = await EditAsync(campaign, "Anyone's", 30, null))
            Assert.Equal(HttpStatusCode.OK, unconditional.StatusCode);
        var latest = await StoresAsync(campaign.Id);
        Assert.Equal(("Anyone's", campaign.Version + 2), (latest.Title, latest.Version));
    }

    [Fact]
    public async Task A_retried_create_with_the_same_idempotency_key_makes_one_campaign()
    {
        var key = Guid.NewGuid().ToString("N");
        var request = await RequestAsync($"Retried {key}"[..30]);

        // Retries racing the first attempt, then one after it.
        var racing = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => CreateAsync(request, key)));
        using var late = await CreateAsync(request, key);

        var views = new List<CampaignView>();
        foreach (var response in racing.Append(late))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            views.Add((await response.Content.ReadFromJsonAsync<CampaignView>())!);
            response.Dispose();
        }
        Assert.Single(views.Select(v => v.Id).Distinct());
        Assert.Equal(1, await CountTitledAsync(request.Title!));
        Assert.True((await StoresAsync(views[0].Id)).Agree);

        using var invalid = await CreateAsync(request, "has spaces in it");
        var problem = await ProblemAssert.IsProblemAsync(invalid, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Fact]
    public async Task A_create_while_redis_is_down_is_kept_and_the_worker_writes_its_redis_state()
    {
        var key = Guid.NewGuid().ToString("N");
        var request = await RequestAsync($"Redis down {key}"[..30]);

        await Stack.StopResourceAsync("redis");
        HttpStatusCode status;
        try
        {
            using var created = await CreateAsync(request, key);
            status = created.StatusCode;
        }
        finally
        {
            await Stack.StartResourceAsync("redis");
        }
        // MySQL holds the truth: the campaign exists, and the client's retry finds it.
        Assert.Equal(HttpStatusCode.Created, status);
        using var retried = await CreateAsync(request, key);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var campaign = (await retried.Content.ReadFromJsonAsync<CampaignView>())!;
        Assert.Equal(1, await CountTitledAsync(request.Title!));

        var stores = await Poll.UntilAsync(() => StoresAsync(campaign.Id), s => s.Agree, RebuildTimeout);
        Assert.True(stores.Agree, stores.ToString());
        var issued = await Poll.UntilAsync(async () => { using var r = await Api.IssueAsync(campaign.Id, 1); return r.StatusCode; },
            s => s != HttpStatusCode.ServiceUnavailable, RebuildTimeout);
        Assert.Equal(HttpStatusCode.Accepted, issued);
        await Invariants.AssertAsync(campaign.Id, 10, accepted: [1], refused: []);
    }

    [Fact]
    public async Task An_edit_whose_redis_write_times_out_is_rolled_back_in_both_stores()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        using (var first = await Api.IssueAsync(campaign.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        // Redis runs the api's script only after the api gave up on it (5 s): the outcome it saw is unknown.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(Stack.RedisConnectionString + ",allowAdmin=true"))
            await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "8000", "WRITE");
        using (var edit = await EditAsync(campaign, "During the pause", 20, new EntityTagHeaderValue($"\"{campaign.Version}\"")))
            await ProblemAssert.IsProblemAsync(edit, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);

        var stores = await Poll.UntilAsync(() => StoresAsync(campaign.Id), s => s.Agree, RebuildTimeout);
        Assert.True(stores.Agree, stores.ToString());
        Assert.Equal((campaign.Title, 10, campaign.Version), (stores.Title, stores.TotalQuantity.GetValueOrDefault(), stores.Version));

        // Rebuilt with its winner: issuing goes on within the quantity MySQL kept.
        var issued = await Poll.UntilAsync(async () => { using var r = await Api.IssueAsync(campaign.Id, 2); return r.StatusCode; },
            s => s != HttpStatusCode.ServiceUnavailable, RebuildTimeout);
        Assert.Equal(HttpStatusCode.Accepted, issued);
        using (var again = await Api.IssueAsync(campaign.Id, 1))
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, ProblemCodes.AlreadyIssued);
        await Invariants.AssertAsync(campaign.Id, 10, accepted: [1, 2], refused: []);
    }

    [Fact]
    public async Task An_edit_whose_commit_hangs_leaves_the_redis_meta_mysql_holds_until_it_commits()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        using (var first = await Api.IssueAsync(campaign.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var before = await StoresAsync(campaign.Id);

        // Redis holds the edit's script back while MySQL is frozen with the edit's transaction
        // open, so whatever the edit writes to Redis is written before a commit that hangs.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(Stack.RedisConnectionString + ",allowAdmin=true"))
            await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "3000", "WRITE");
        var paused = Stopwatch.StartNew();
        var edit = EditAsync(campaign, "Raised", 20, null);
        Assert.True(await Poll.UntilAsync(EditInFlightAsync, open => open, TimeSpan.FromSeconds(2.5)), "The edit's transaction never started.");
        string during;
        using (FrozenProcess.Freeze(Stack.ProcessIdOf("mysql")))
        {
            await Task.Delay(TimeSpan.FromSeconds(4) - paused.Elapsed);
            during = await LiveMetaAsync(campaign.Id);
        }

        // Nothing MySQL had not committed was live. The edit may outlast the api's deadlines (a
        // 503: applied or not, whatever MySQL kept); either way both stores end on MySQL's version.
        Assert.Equal(before.LiveMeta, during);
        HttpStatusCode answered;
        using (var edited = await edit)
            answered = edited.StatusCode;
        Assert.Contains(answered, (HttpStatusCode[])[HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable]);
        var after = await Poll.UntilAsync(() => StoresAsync(campaign.Id), s => s.Agree, RebuildTimeout);
        Assert.True(after.Agree, after.ToString());
        if (answered == HttpStatusCode.OK)
            Assert.Equal(("Raised", 20, campaign.Version + 1), (after.Title, after.TotalQuantity.GetValueOrDefault(), after.Version));
        var second = await Poll.UntilAsync(async () => { using var r = await Api.IssueAsync(campaign.Id, 2); return r.StatusCode; },
            status => status != HttpStatusCode.ServiceUnavailable, RebuildTimeout);
        Assert.Equal(HttpStatusCode.Accepted, second);
        await Invariants.AssertAsync(campaign.Id, after.TotalQuantity, accepted: [1, 2], refused: []);
    }

    [Fact]
    public async Task Concurrent_edits_without_if_match_all_apply_and_the_last_one_wins()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());

        var answers = await Task.WhenAll(Enumerable.Range(1, 6).Select(i => EditAsync(campaign, $"Edit {i}", 10 + i, null)));
        try
        {
            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
            var views = await Task.WhenAll(answers.Select(async a => (await a.Content.ReadFromJsonAsync<CampaignView>())!));
            Assert.Equal(Enumerable.Range(campaign.Version + 1, 6), views.Select(v => v.Version).Order());
            var last = views.MaxBy(v => v.Version)!;
            var stores = await StoresAsync(campaign.Id);
            Assert.True(stores.Agree, stores.ToString());
            Assert.Equal((last.Title, last.TotalQuantity, campaign.Version + 6), (stores.Title, stores.TotalQuantity, stores.Version));
        }
        finally
        {
            foreach (var answer in answers)
                answer.Dispose();
        }
    }

    // Transactions of other sessions are visible to root only (the PROCESS privilege).
    private async Task<bool> EditInFlightAsync()
    {
        await using var connection = new MySqlConnection(Stack.MySqlRootConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_rows_modified > 0", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync()) > 0;
    }

    // The meta fields the issue script reads, as Stores.LiveMeta writes them.
    private async Task<string> LiveMetaAsync(long campaignId) =>
        Stores.LiveFields((await (await Redis.DatabaseAsync()).HashGetAllAsync(new CampaignKeys(campaignId).Meta))
            .ToDictionary(e => e.Name.ToString(), e => e.Value.ToString()));

    private async Task<CampaignRequest> RequestAsync(string title)
    {
        var now = await Redis.NowAsync();
        return new CampaignRequest(title, 10, 1000m, 0m, now.AddMinutes(-1), now.AddHours(1));
    }

    private Task<HttpResponseMessage> CreateAsync(CampaignRequest request, string idempotencyKey)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/api/admin/coupons") { Content = JsonContent.Create(request) };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Api.OperatorToken);
        message.Headers.Add("Idempotency-Key", idempotencyKey);
        return Api.Http.SendAsync(message);
    }

    private Task<HttpResponseMessage> EditAsync(CampaignView campaign, string title, int total, EntityTagHeaderValue? etag, string? ifMatch = null)
    {
        var request = new CampaignRequest(title, total, campaign.DiscountAmount, campaign.MinOrderAmount, campaign.IssueStart, campaign.IssueEnd);
        var message = new HttpRequestMessage(HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}") { Content = JsonContent.Create(request) };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Api.OperatorToken);
        if (etag is not null)
            message.Headers.IfMatch.Add(etag);
        if (ifMatch is not null)
            message.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return Api.Http.SendAsync(message);
    }

    private async Task<long> CountTitledAsync(string title)
    {
        await using var connection = new MySqlConnection(Stack.CouponDbConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM campaigns WHERE title = @title", connection);
        command.Parameters.AddWithValue("@title", title);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    // The campaign as each store holds it.
    private async Task<Stores> StoresAsync(long campaignId)
    {
        await using var connection = new MySqlConnection(Stack.CouponDbConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT title, total_quantity, issue_start, issue_end, version FROM campaigns WHERE id = @id", connection);
        command.Parameters.AddWithValue("@id", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var meta = (await (await Redis.DatabaseAsync()).HashGetAllAsync(new CampaignKeys(campaignId).Meta))
            .ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        return new Stores(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1),
            new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero),
            reader.GetInt32(4), string.Join(",", meta.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}")), Stores.LiveFields(meta));
    }

    private sealed record Stores(string Title, int? TotalQuantity, DateTimeOffset IssueStart, DateTimeOffset IssueEnd, int Version, string Meta, string LiveMeta)
    {
        public static string LiveFields(IReadOnlyDictionary<string, string> meta) =>
            string.Join(",", ((string[])["total", "start", "end", "version"]).Select(f => $"{f}={meta.GetValueOrDefault(f)}"));

        public bool Agree => Meta == string.Join(",",
            $"end={IssueEnd.ToUnixTimeMilliseconds()}", $"start={IssueStart.ToUnixTimeMilliseconds()}",
            $"total={TotalQuantity ?? CampaignMeta.Unlimited}", $"version={Version}");
    }
}
