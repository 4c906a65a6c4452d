using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;
using StackExchange.Redis;

namespace Coupon.Tests.Issuing;

// The Lua scripts and CampaignRedisState against the real Redis, at the exact window edges of
// Redis TIME, and with requests told apart by their ids. Campaign ids far above MySQL's so nothing else touches these keys.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class IssueScriptTests(StackFixture stack) : IAsyncLifetime
{
    private static long s_nextCampaign = 8_000_000_000 + Random.Shared.Next(1_000_000) * 1_000L;

    private readonly List<long> _campaigns = [];
    private ConnectionMultiplexer _redis = null!;
    private CampaignRedisState _state = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString + ",allowAdmin=true");
        _state = new CampaignRedisState(_redis);
    }

    public async Task DisposeAsync()
    {
        foreach (var keys in _campaigns.Select(c => new CampaignKeys(c)))
            await _redis.GetDatabase().KeyDeleteAsync([keys.Meta, keys.Winners, keys.Requests, keys.Reconciled, keys.Entrants]);
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task The_window_includes_its_start_and_excludes_its_end()
    {
        var now = await RedisNowAsync();

        // start = a moment ago by Redis TIME: open. end = a moment ago: closed. Start ahead: not yet.
        var opening = await NewCampaignAsync(10, now, now.AddMinutes(1));
        var ended = await NewCampaignAsync(10, now.AddMinutes(-1), now);
        var later = await NewCampaignAsync(10, now.AddSeconds(30), now.AddMinutes(1));

        Assert.Equal(IssueOutcome.Accepted, (await IssueAsync(opening, 1)).Outcome);
        Assert.Equal(IssueOutcome.Closed, (await IssueAsync(ended, 1)).Outcome);
        Assert.Equal(IssueOutcome.NotOpenYet, (await IssueAsync(later, 1)).Outcome);
        Assert.Equal(0, await _state.AcceptedAsync(ended));
        Assert.Equal(0, await _state.AcceptedAsync(later));
    }

    [Fact]
    public async Task One_per_user_and_never_above_the_total()
    {
        var campaign = await NewOpenCampaignAsync(2);

        var first = await IssueAsync(campaign, 1);
        Assert.Equal((IssueOutcome.Accepted, 1L), (first.Outcome, first.Accepted));
        Assert.Equal(IssueOutcome.AlreadyIssued, (await IssueAsync(campaign, 1)).Outcome);
        var second = await IssueAsync(campaign, 2);
        Assert.Equal((IssueOutcome.Accepted, 2L), (second.Outcome, second.Accepted));
        Assert.Equal(IssueOutcome.SoldOut, (await IssueAsync(campaign, 3)).Outcome);
        Assert.Equal(IssueOutcome.AlreadyIssued, (await IssueAsync(campaign, 2)).Outcome);
        Assert.Equal(2, await _state.AcceptedAsync(campaign));
        Assert.Equal(first.AcceptedAt, await _state.AcceptedAtAsync(campaign, 1));
    }

    [Fact]
    public async Task Concurrent_issues_stop_exactly_at_the_total_and_unlimited_takes_all()
    {
        var limited = await NewOpenCampaignAsync(25);
        var unlimited = await NewOpenCampaignAsync(null);

        var results = await Task.WhenAll(Enumerable.Range(1, 200).SelectMany(user => new[]
        {
            IssueAsync(limited, user),
            IssueAsync(unlimited, user),
        }));

        var fromLimited = results.Where((_, i) => i % 2 == 0).ToList();
        Assert.Equal(25, fromLimited.Count(r => r.Outcome == IssueOutcome.Accepted));
        Assert.Equal(175, fromLimited.Count(r => r.Outcome == IssueOutcome.SoldOut));
        Assert.All(results.Where((_, i) => i % 2 == 1), r => Assert.Equal(IssueOutcome.Accepted, r.Outcome));
        Assert.Equal(25, await _state.AcceptedAsync(limited));
        Assert.Equal(200, await _state.AcceptedAsync(unlimited));
    }

    [Fact]
    public async Task A_lost_state_is_unavailable_and_cannot_be_recreated_by_an_edit()
    {
        var campaign = NextCampaign();
        var now = await RedisNowAsync();
        var meta = new CampaignMeta(campaign, 10, now.AddMinutes(-1).UtcDateTime, now.AddMinutes(1).UtcDateTime, 0);

        Assert.Equal(IssueOutcome.Unavailable, (await IssueAsync(campaign, 1)).Outcome);
        Assert.Equal(MetaUpdate.Lost, (await _state.ApplyAsync(meta, null)).Result);
        Assert.False(await _state.ExistsAsync(campaign));

        // The rebuild writes meta and winners together; issuing goes on from there.
        await _state.ReplaceAsync(meta, [new(7, now.ToUnixTimeMilliseconds()), new(8, now.ToUnixTimeMilliseconds())]);
        Assert.Equal(IssueOutcome.AlreadyIssued, (await IssueAsync(campaign, 7)).Outcome);
        Assert.Equal(3, (await IssueAsync(campaign, 9)).Accepted);
    }

    [Fact]
    public async Task An_edit_may_not_go_below_the_accepted_count()
    {
        var campaign = await NewOpenCampaignAsync(5);
        foreach (var user in new long[] { 1, 2, 3 })
            await IssueAsync(campaign, user);
        var now = await RedisNowAsync();

        var below = await _state.ApplyAsync(new CampaignMeta(campaign, 2, now.AddMinutes(-1).UtcDateTime, now.AddMinutes(1).UtcDateTime, 1), null);
        Assert.Equal((MetaUpdate.BelowAccepted, 3L), below);
        var exact = await _state.ApplyAsync(new CampaignMeta(campaign, 3, now.AddMinutes(-1).UtcDateTime, now.AddMinutes(1).UtcDateTime, 1), null);
        Assert.Equal((MetaUpdate.Updated, 3L), exact);
        Assert.Equal(IssueOutcome.SoldOut, (await IssueAsync(campaign, 4)).Outcome);
    }

    [Fact]
    public async Task A_pending_edit_allows_only_what_both_versions_allow_until_its_version_goes_live()
    {
        var start = DateTime.UtcNow.AddMinutes(-10);
        var held = await NewEditedCampaignAsync(new CampaignMeta(0, 10, start, start.AddHours(1), 1));
        var edited = held with { TotalQuantity = 20, IssueStart = start.AddMinutes(5), IssueEnd = start.AddHours(2), Version = 2 };

        Assert.Equal(MetaUpdate.Updated, (await _state.ProposeAsync(edited, "edit-2")).Result);
        Assert.Equal(MetaFields(10, start.AddMinutes(5), start.AddHours(1), 1, "edit-2"), await MetaFieldsAsync(held.CampaignId));
        // Another edit of the same version (a replay), or a live write naming another edit, never wins.
        Assert.Equal(MetaUpdate.Stale, (await _state.ProposeAsync(held with { Version = 1 }, "edit-late")).Result);
        Assert.Equal(MetaUpdate.OtherEditPending, (await _state.ApplyAsync(edited, "edit-other")).Result);

        Assert.Equal(MetaUpdate.Updated, (await _state.ApplyAsync(edited, "edit-2")).Result);
        Assert.Equal(MetaFields(20, start.AddMinutes(5), start.AddHours(2), 2, null), await MetaFieldsAsync(held.CampaignId));
        // The api's own write after the worker's, and the held version written late, are refused.
        Assert.Equal(MetaUpdate.OtherEditPending, (await _state.ApplyAsync(edited, "edit-2")).Result);
        Assert.Equal(MetaUpdate.Stale, (await _state.ApplyAsync(held, null)).Result);
        Assert.Equal(MetaFields(20, start.AddMinutes(5), start.AddHours(2), 2, null), await MetaFieldsAsync(held.CampaignId));
    }

    [Fact]
    public async Task A_rolled_back_edit_brings_back_the_held_version_and_an_unlimited_total_narrows_to_the_limited_one()
    {
        var start = DateTime.UtcNow.AddMinutes(-10);
        var held = await NewEditedCampaignAsync(new CampaignMeta(0, null, start, start.AddHours(1), 4));

        Assert.Equal(MetaUpdate.Updated, (await _state.ProposeAsync(held with { TotalQuantity = 3, Version = 5 }, "edit-5")).Result);
        Assert.Equal(MetaFields(3, start, start.AddHours(1), 4, "edit-5"), await MetaFieldsAsync(held.CampaignId));

        Assert.Equal(MetaUpdate.Updated, (await _state.ApplyAsync(held, "edit-5")).Result);
        Assert.Equal(MetaFields(CampaignMeta.Unlimited, start, start.AddHours(1), 4, null), await MetaFieldsAsync(held.CampaignId));
    }

    [Fact]
    public async Task A_withdrawal_removes_only_its_own_requests_acceptance()
    {
        var campaign = await NewOpenCampaignAsync(5);
        var request = Request(campaign, 1);
        Assert.Equal(IssueOutcome.Accepted, (await _state.IssueAsync(request)).Outcome);

        // Another request of the same user (its reply lost, say) takes nothing back.
        Assert.Equal(WithdrawResult.Absent, await _state.WithdrawAsync(Request(campaign, 1)));
        Assert.Equal(WithdrawResult.Absent, await _state.WithdrawAsync(request with { UserId = 2 }));
        Assert.Equal(1, await _state.AcceptedAsync(campaign));
        Assert.Equal(WithdrawResult.Removed, await _state.WithdrawAsync(request));
        Assert.Equal(0, await _state.AcceptedAsync(campaign));
        Assert.Equal(WithdrawResult.Absent, await _state.WithdrawAsync(request));

        // The user may ask again, as a new request.
        Assert.Equal(IssueOutcome.Accepted, (await IssueAsync(campaign, 1)).Outcome);
    }

    [Fact]
    public async Task A_read_back_tells_this_requests_acceptance_from_another_requests_of_the_same_user()
    {
        var campaign = await NewOpenCampaignAsync(5);
        var first = Request(campaign, 1);
        var second = Request(campaign, 1);
        var issued = await _state.IssueAsync(first);
        Assert.Equal(IssueOutcome.AlreadyIssued, (await _state.IssueAsync(second)).Outcome);

        // Both replies lost: only the request that recorded the winner is told it won.
        Assert.Equal((IssueOutcome.Accepted, issued.AcceptedAtMs), Decided(await _state.ResolveAsync(first)));
        Assert.Equal((IssueOutcome.AlreadyIssued, issued.AcceptedAtMs), Decided(await _state.ResolveAsync(second)));
        Assert.Equal(IssueOutcome.Unavailable, (await _state.ResolveAsync(Request(campaign, 2))).Outcome);
        Assert.Equal(1, await _state.AcceptedAsync(campaign));
    }

    [Fact]
    public async Task A_script_that_runs_after_its_deadline_or_after_its_request_was_voided_records_nothing()
    {
        var campaign = await NewOpenCampaignAsync(5);
        var now = (await RedisNowAsync()).ToUnixTimeMilliseconds();

        Assert.Equal(IssueOutcome.Expired, (await _state.IssueAsync(Request(campaign, 1) with { DeadlineMs = now - 1 })).Outcome);

        // Read back before its script ran (the script still on its way): voided, it records nothing.
        var late = Request(campaign, 2);
        Assert.Equal(IssueOutcome.Unavailable, (await _state.ResolveAsync(late)).Outcome);
        Assert.Equal(IssueOutcome.Expired, (await _state.IssueAsync(late)).Outcome);
        var withdrawnFirst = Request(campaign, 3);
        Assert.Equal(WithdrawResult.Absent, await _state.WithdrawAsync(withdrawnFirst));
        Assert.Equal(IssueOutcome.Expired, (await _state.IssueAsync(withdrawnFirst)).Outcome);
        Assert.Equal(0, await _state.AcceptedAsync(campaign));

        // The same users' new requests are decided as usual.
        Assert.Equal(IssueOutcome.Accepted, (await IssueAsync(campaign, 2)).Outcome);
        Assert.Equal(IssueOutcome.Accepted, (await IssueAsync(campaign, 3)).Outcome);
    }

    [Fact]
    public async Task A_group_decides_each_request_in_its_order_as_if_it_ran_alone()
    {
        var campaign = await NewOpenCampaignAsync(3);
        var now = (await RedisNowAsync()).ToUnixTimeMilliseconds();
        var voided = Request(campaign, 6);
        Assert.Equal(IssueOutcome.Unavailable, (await _state.ResolveAsync(voided)).Outcome);
        var first = Request(campaign, 1);

        var results = await _state.IssueAsync(
        [
            first,
            Request(campaign, 2),
            Request(campaign, 1),
            Request(campaign, 3) with { DeadlineMs = now - 1 },
            voided,
            Request(campaign, 4),
            Request(campaign, 5),
            Request(campaign, 2),
        ]);

        Assert.Equal(
        [
            (IssueOutcome.Accepted, 1L), (IssueOutcome.Accepted, 2L), (IssueOutcome.AlreadyIssued, 2L), (IssueOutcome.Expired, 0L),
            (IssueOutcome.Expired, 0L), (IssueOutcome.Accepted, 3L), (IssueOutcome.SoldOut, 3L), (IssueOutcome.AlreadyIssued, 3L),
        ], results.Select(r => (r.Outcome, r.Accepted)));
        Assert.Single(results.Select(r => r.AcceptedAtMs).Distinct());
        Assert.Equal(3, await _state.AcceptedAsync(campaign));
        // Each winner is its own request's: the first of user 1's two requests holds the coupon.
        Assert.Equal((IssueOutcome.Accepted, results[0].AcceptedAtMs), Decided(await _state.ResolveAsync(first)));
        Assert.Equal([1L, 2L, 4L], (await _state.WinnersAsync(campaign)).Keys.Order());
    }

    [Fact]
    public async Task A_group_on_a_closed_or_lost_campaign_records_nothing_for_any_request()
    {
        var now = await RedisNowAsync();
        var ended = await NewCampaignAsync(10, now.AddMinutes(-1), now);
        var lost = await NewOpenCampaignAsync(10);
        await _state.IssueAsync(Request(lost, 1));

        Assert.All(await _state.IssueAsync([Request(ended, 1), Request(ended, 2)]), r => Assert.Equal(IssueOutcome.Closed, r.Outcome));
        // MySQL holds two rows where Redis has one winner: the state is forgotten for a rebuild.
        Assert.All(await _state.IssueAsync([Request(lost, 2), Request(lost, 3)], persisted: 2), r => Assert.Equal(IssueOutcome.Unavailable, r.Outcome));
        Assert.Equal(0, await _state.AcceptedAsync(ended));
        Assert.Equal(1, await _state.AcceptedAsync(lost));
        Assert.False(await _state.ExistsAsync(lost));
    }

    [Fact]
    public async Task A_winner_the_reconciler_claimed_is_kept_by_an_undo_and_claimed_once_per_period()
    {
        var campaign = await NewOpenCampaignAsync(5);
        var request = Request(campaign, 1);
        var issued = await _state.IssueAsync(request);
        var now = DateTimeOffset.UtcNow;
        var period = TimeSpan.FromMinutes(5);

        Assert.False(await _state.ClaimForReconcileAsync(campaign, 1, issued.AcceptedAtMs + 1, now, period));
        Assert.False(await _state.ClaimForReconcileAsync(campaign, 2, issued.AcceptedAtMs, now, period));
        Assert.True(await _state.ClaimForReconcileAsync(campaign, 1, issued.AcceptedAtMs, now, period));
        Assert.False(await _state.ClaimForReconcileAsync(campaign, 1, issued.AcceptedAtMs, now + period / 2, period));
        Assert.True(await _state.ClaimForReconcileAsync(campaign, 1, issued.AcceptedAtMs, now + period, period));

        Assert.Equal(WithdrawResult.KeptForReconciler, await _state.WithdrawAsync(request));
        Assert.Equal(1, await _state.AcceptedAsync(campaign));
    }

    [Fact]
    public async Task A_state_with_fewer_winners_than_rows_is_forgotten()
    {
        var campaign = await NewOpenCampaignAsync(5);
        await IssueAsync(campaign, 1);
        await IssueAsync(campaign, 2);

        Assert.Equal(IssueOutcome.AlreadyIssued, (await IssueAsync(campaign, 1, persisted: 2)).Outcome);
        Assert.False(await _state.ForgetIfShortAsync(campaign, 2));
        Assert.True(await _state.ExistsAsync(campaign));
        Assert.True(await _state.ForgetIfShortAsync(campaign, 3));
        Assert.False(await _state.ExistsAsync(campaign));
        Assert.Equal(IssueOutcome.Unavailable, (await IssueAsync(campaign, 3)).Outcome);
    }

    [Fact]
    public async Task An_issue_finding_fewer_winners_than_persisted_rows_forgets_the_state()
    {
        var campaign = await NewOpenCampaignAsync(5);
        await IssueAsync(campaign, 1);

        Assert.Equal(IssueOutcome.Unavailable, (await IssueAsync(campaign, 2, persisted: 2)).Outcome);
        Assert.False(await _state.ExistsAsync(campaign));
        Assert.Null(await _state.AcceptedAtAsync(campaign, 2));
    }

    [Fact]
    public async Task A_flushed_script_cache_is_reloaded()
    {
        var campaign = await NewOpenCampaignAsync(5);
        Assert.Equal(IssueOutcome.Accepted, (await IssueAsync(campaign, 1)).Outcome);

        await _redis.GetServers().Single().ScriptFlushAsync();

        Assert.Equal(IssueOutcome.Accepted, (await IssueAsync(campaign, 2)).Outcome);
        Assert.True(await _redis.GetServers().Single().ScriptExistsAsync(RedisScript.Issue.Text));
    }

    // A request whose deadline is far away: these tests are about the rules, not the deadline.
    [Fact]
    public async Task Before_its_draw_a_campaign_takes_entrants_without_a_limit_then_waits_for_the_draw_then_issues_first_come()
    {
        var now = await RedisNowAsync();
        var entering = NextCampaign();
        var meta = new CampaignMeta(entering, 2, now.AddMinutes(-1).UtcDateTime, now.AddMinutes(10).UtcDateTime, 0, now.AddMinutes(1).UtcDateTime);
        await _state.ReplaceAsync(meta);
        var entries = await _state.IssueAsync([Request(entering, 1), Request(entering, 2), Request(entering, 1), Request(entering, 3)]);
        Assert.Equal([IssueOutcome.Entered, IssueOutcome.Entered, IssueOutcome.AlreadyEntered, IssueOutcome.Entered], entries.Select(e => e.Outcome));
        Assert.Equal(3, entries[^1].Accepted);
        Assert.Equal((0L, 3L), (await _state.AcceptedAsync(entering), await _state.EntrantsAsync(entering)));
        Assert.True(await _state.DrawPendingAsync(entering));

        // A lost reply is read back as an entry; a withdrawal takes the entry back.
        var lost = Request(entering, 4);
        Assert.Equal(IssueOutcome.Entered, (await _state.IssueAsync(lost)).Outcome);
        Assert.Equal(IssueOutcome.Entered, (await _state.ResolveAsync(lost)).Outcome);
        Assert.Equal(IssueOutcome.AlreadyEntered, (await _state.ResolveAsync(Request(entering, 4))).Outcome);
        Assert.Equal(WithdrawResult.Removed, await _state.WithdrawAsync(lost));
        Assert.Null(await _state.EnteredAtAsync(entering, 4));

        var drawing = NextCampaign();
        await _state.ReplaceAsync(meta with { CampaignId = drawing, DrawAt = now.AddSeconds(-1).UtcDateTime });
        Assert.Equal(IssueOutcome.Drawing, (await IssueAsync(drawing, 1)).Outcome);

        // The draw applied: its winners, first come for the rest, and applied only once.
        Assert.True(await _state.ApplyDrawAsync(meta with { CampaignId = drawing, DrawAt = null }, [KeyValuePair.Create(2L, now.ToUnixTimeMilliseconds())]));
        Assert.False(await _state.ApplyDrawAsync(meta with { CampaignId = drawing, DrawAt = null }, []));
        Assert.False(await _state.DrawPendingAsync(drawing));
        Assert.Equal(IssueOutcome.AlreadyIssued, (await IssueAsync(drawing, 2)).Outcome);
        Assert.Equal(IssueOutcome.Accepted, (await IssueAsync(drawing, 1)).Outcome);
        Assert.Equal(IssueOutcome.SoldOut, (await IssueAsync(drawing, 3)).Outcome);
        Assert.Null(await _state.DrawPendingAsync(NextCampaign()));
    }

    private static IssueRequest Request(long campaign, long user) =>
        IssueRequest.Create(campaign, user, DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds());

    private Task<IssueResult> IssueAsync(long campaign, long user, int persisted = 0) =>
        _state.IssueAsync(Request(campaign, user), persisted);

    private static (IssueOutcome, long) Decided(IssueResult result) => (result.Outcome, result.AcceptedAtMs);

    private long NextCampaign()
    {
        var campaign = Interlocked.Increment(ref s_nextCampaign);
        _campaigns.Add(campaign);
        return campaign;
    }

    private async Task<DateTimeOffset> RedisNowAsync()
    {
        var time = (RedisResult[])(await _redis.GetDatabase().ExecuteAsync("TIME"))!;
        return DateTimeOffset.FromUnixTimeMilliseconds((long)time[0] * 1000 + (long)time[1] / 1000);
    }

    // Two winners, so the accepted count is checked too.
    private async Task<CampaignMeta> NewEditedCampaignAsync(CampaignMeta meta)
    {
        var placed = meta with { CampaignId = NextCampaign() };
        await _state.ReplaceAsync(placed, [new(1, 0), new(2, 0)]);
        return placed;
    }

    private async Task<string> MetaFieldsAsync(long campaignId) =>
        string.Join(",", (await _redis.GetDatabase().HashGetAllAsync(new CampaignKeys(campaignId).Meta))
            .OrderBy(e => e.Name.ToString(), StringComparer.Ordinal).Select(e => $"{e.Name}={e.Value}"));

    private static string MetaFields(long total, DateTime start, DateTime end, int version, string? pending) =>
        string.Join(",", new[]
        {
            $"end={new DateTimeOffset(end).ToUnixTimeMilliseconds()}",
            pending is null ? null : $"pending={pending}",
            $"start={new DateTimeOffset(start).ToUnixTimeMilliseconds()}",
            $"total={total}",
            $"version={version}",
        }.OfType<string>());

    private async Task<long> NewOpenCampaignAsync(int? total)
    {
        var now = await RedisNowAsync();
        return await NewCampaignAsync(total, now.AddMinutes(-1), now.AddMinutes(1));
    }

    private async Task<long> NewCampaignAsync(int? total, DateTimeOffset start, DateTimeOffset end)
    {
        var campaign = NextCampaign();
        await _state.ReplaceAsync(new CampaignMeta(campaign, total, start.UtcDateTime, end.UtcDateTime, 0));
        return campaign;
    }
}
