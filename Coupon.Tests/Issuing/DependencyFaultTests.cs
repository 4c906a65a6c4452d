using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Coupon.Testing;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// A dependency that stalls or goes away never ends the shared api or worker: they are the same
// processes afterwards, they serve, and what they accepted meanwhile is persisted.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class DependencyFaultTests(StackFixture stack) : SharedApiTests(stack)
{
    private static readonly TimeSpan QuickAnswer = TimeSpan.FromSeconds(3);

    // More than the load of these tests can take: the campaign never sells out under them.
    private const int LoadQuantity = 1_000_000;

    [Fact]
    public async Task A_redis_stall_longer_than_the_client_timeout_under_load_stops_no_process()
    {
        var shared = await Stack.SharedProjectsAsync();
        var campaign = await Api.CreateOpenCampaignAsync(LoadQuantity, await Redis.NowAsync());
        var accepted = new ConcurrentBag<long>();
        var refused = new ConcurrentBag<long>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var connectionErrors = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        var load = Task.WhenAll(Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
        {
            for (var user = 2_000_000L + client * 100_000L; !stop.IsCancellationRequested; user++)
            {
                HttpResponseMessage response;
                try
                {
                    response = await Api.IssueAsync(campaign.Id, user);
                }
                catch (HttpRequestException e)
                {
                    connectionErrors.Add(e.Message);
                    return;
                }
                using var _ = response;
                statuses.Add(response.StatusCode);
                // A 503 during the stall is certain too: what its script recorded is withdrawn.
                (response.StatusCode == HttpStatusCode.Accepted ? accepted : refused).Add(user);
            }
        })));

        var (api, worker) = (shared.Api.ProcessId, shared.Worker.ProcessId);
        await StallRedisUnderLoadAsync(TimeSpan.FromSeconds(10), stop, load);

        Assert.True(connectionErrors.IsEmpty, "Connections failed: " + string.Join("; ", connectionErrors.Distinct()));
        Assert.False(shared.Api.HasExited, "The api exited: " + string.Join(Environment.NewLine, await shared.Api.RecentOutputAsync()));
        Assert.False(shared.Worker.HasExited, "The worker exited: " + string.Join(Environment.NewLine, await shared.Worker.RecentOutputAsync()));
        Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);
        // The same processes, not restarted ones.
        Assert.Equal((api, worker), (shared.Api.ProcessId, shared.Worker.ProcessId));

        Assert.Equal(HttpStatusCode.Accepted, await IssueOnceBackAsync(campaign.Id, 1));
        accepted.Add(1);
        await Invariants.AssertAsync(campaign.Id, LoadQuantity, [.. accepted], [.. refused], drainTimeout: TimeSpan.FromSeconds(60));
    }

    // Stopped: connections refused at once. Hung (SIGSTOP, its connections open): nothing answers,
    // and only the api's own deadlines end the wait.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requests_that_need_mysql_answer_503_quickly_while_it_is_down_or_hung_and_issuing_goes_on(bool hung)
    {
        var shared = await Stack.SharedProjectsAsync();
        var campaign = await Api.CreateOpenCampaignAsync(100, await Redis.NowAsync());
        using (var first = await Api.IssueAsync(campaign.Id, 1))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var body = JsonContent.Create(new CampaignRequest("During the outage", 10, 100m, 0m,
            DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(2)));
        await body.LoadIntoBufferAsync();

        var reads = new (HttpMethod Method, string Path, string? Token)[]
        {
            (HttpMethod.Get, $"/api/coupons/{campaign.Id}/issue", Api.UserToken(1)),
            (HttpMethod.Get, "/api/users/me/coupons", Api.UserToken(1)),
            (HttpMethod.Get, "/api/admin/coupons", Api.OperatorToken),
            (HttpMethod.Get, $"/api/admin/coupons/{campaign.Id}", Api.OperatorToken),
            (HttpMethod.Get, $"/api/admin/coupons/{campaign.Id}/stats", Api.OperatorToken),
            (HttpMethod.Post, "/api/admin/coupons", Api.OperatorToken),
            (HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", Api.OperatorToken),
        };

        var frozen = hung ? FrozenProcess.Freeze(Stack.ProcessIdOf("mysql")) : null;
        if (!hung)
            await Stack.StopResourceAsync("mysql");
        var answers = new List<string>();
        try
        {
            foreach (var (method, path, token) in reads)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await Api.SendAsync(method, path, token, method == HttpMethod.Get ? null : body);
                var took = Stopwatch.GetElapsedTime(started);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || took > QuickAnswer || response.Headers.RetryAfter is null)
                    answers.Add($"{method} {path}: {(int)response.StatusCode} after {took.TotalSeconds:0.0} s");
            }
            // The campaign is cached and Redis decides: issuing needs no MySQL.
            using var issued = await Api.IssueAsync(campaign.Id, 2);
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        }
        finally
        {
            if (frozen is not null)
                frozen.Dispose();
            else
                await Stack.StartResourceAsync("mysql");
        }

        Assert.True(answers.Count == 0, "Not a quick 503: " + string.Join("; ", answers));
        Assert.False(shared.Api.HasExited);
        Assert.False(shared.Worker.HasExited);
        await Invariants.AssertAsync(campaign.Id, 100, accepted: [1, 2], refused: [], drainTimeout: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Two_requests_of_one_user_in_flight_across_redis_stalls_get_at_most_one_202_and_every_202_is_one_row()
    {
        // Short stalls end while replies are late (the read-back decides), long ones outlast every
        // deadline (the scripts, run late, record nothing). Each user asks twice at once.
        var campaign = await Api.CreateOpenCampaignAsync(LoadQuantity, await Redis.NowAsync());
        await using var worker = await Stack.StartReconcilingWorkerAsync(TimeSpan.FromSeconds(5));
        var answers = new ConcurrentBag<(long User, HttpStatusCode Status)>();
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var user = 6_000_000L + client * 100_000L; !stop.IsCancellationRequested; user++)
            {
                var pair = await Task.WhenAll(Api.IssueAsync(campaign.Id, user), Api.IssueAsync(campaign.Id, user));
                foreach (var response in pair)
                {
                    answers.Add((user, response.StatusCode));
                    response.Dispose();
                }
            }
        })));

        var redis = Stack.ProcessIdOf("redis");
        try
        {
            foreach (var stall in (double[])[0.8, 1.2, 1.6, 8, 1.0, 1.4])
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                using (FrozenProcess.Freeze(redis))
                    await Task.Delay(TimeSpan.FromSeconds(stall));
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }
        // Longer than the reconciler's grace and interval: whatever it would re-publish, it has.
        await Task.Delay(TimeSpan.FromSeconds(8));

        var twice = answers.Where(a => a.Status == HttpStatusCode.Accepted).GroupBy(a => a.User).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"Users told 202 twice: {string.Join(", ", twice.Take(20))} ({twice.Count})");
        Assert.DoesNotContain(answers, a => a.Status == HttpStatusCode.InternalServerError);
        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);
        var accepted = answers.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.User).ToList();
        // A 504 (outcome unknown) may have gone either way.
        var unknown = answers.Where(a => a.Status == HttpStatusCode.GatewayTimeout).Select(a => a.User).ToHashSet();
        await Invariants.AssertAsync(campaign.Id, LoadQuantity, accepted, [.. answers.Select(a => a.User).Except(accepted).Except(unknown)],
            drainTimeout: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_503_during_a_redis_stall_never_becomes_a_row_and_every_202_does()
    {
        // Stalled past the api's Redis deadlines (1 s, 0.5 s) and its read-back: replies to scripts
        // that ran are lost, and some read-backs fail too. The reconciler here is a worker with a
        // short grace, so a winner left behind for a 503 would become a row within the test.
        var campaign = await Api.CreateOpenCampaignAsync(LoadQuantity, await Redis.NowAsync());
        await using var worker = await Stack.StartReconcilingWorkerAsync(TimeSpan.FromSeconds(5));
        var answers = new ConcurrentBag<(long User, HttpStatusCode Status)>();
        using var stop = new CancellationTokenSource();
        var load = Api.IssueToNewUsersUntilStoppedAsync(campaign.Id, clients: 16, firstUser: 3_000_000, answers, stop.Token);

        await StallRedisUnderLoadAsync(TimeSpan.FromSeconds(12), stop, load);
        // Longer than the reconciler's grace and interval: whatever it would re-publish, it has.
        await Task.Delay(TimeSpan.FromSeconds(8));

        var accepted = answers.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.User).ToList();
        var unavailable = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).Select(a => a.User).ToList();
        Assert.NotEmpty(unavailable);
        Assert.DoesNotContain(answers, a => a.Status == HttpStatusCode.InternalServerError);
        await Invariants.AssertAsync(campaign.Id, LoadQuantity, accepted, [.. answers.Select(a => a.User).Except(accepted)],
            drainTimeout: TimeSpan.FromSeconds(60));
        // Nothing left in Redis for a request that was not a 202.
        Assert.Equal(accepted.Count, await Redis.WinnersAsync(campaign.Id));
    }

    [Fact]
    public async Task While_redis_is_down_issues_answer_503_and_nothing_is_left_to_withdraw()
    {
        var campaign = await Api.CreateOpenCampaignAsync(100, await Redis.NowAsync());
        long[] users = [.. Enumerable.Range(1, 20).Select(user => (long)user)];

        await Stack.StopResourceAsync("redis");
        HttpStatusCode[] statuses;
        try
        {
            statuses = await Task.WhenAll(users.Select(async user =>
            {
                using var response = await Api.IssueAsync(campaign.Id, user);
                return response.StatusCode;
            }));
        }
        finally
        {
            await Stack.StartResourceAsync("redis");
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
        // The script never left the api: certain, so no withdrawal was written for any of them.
        Assert.Equal(0, await Invariants.WithdrawalsAsync(campaign.Id));
        Assert.Equal(HttpStatusCode.Accepted, await IssueOnceBackAsync(campaign.Id, 21));
        await Invariants.AssertAsync(campaign.Id, 100, accepted: [21], refused: users);
    }

    [Fact]
    public async Task The_kafka_brokers_down_for_30_s_under_load_stop_no_process_and_every_202_becomes_a_row()
    {
        var shared = await Stack.SharedProjectsAsync();
        var (api, worker) = (shared.Api.ProcessId, shared.Worker.ProcessId);
        var campaign = await Api.CreateOpenCampaignAsync(LoadQuantity, await Redis.NowAsync());
        var answers = new ConcurrentBag<(long User, HttpStatusCode Status)>();
        using var stop = new CancellationTokenSource();
        var load = Api.IssueToNewUsersUntilStoppedAsync(campaign.Id, clients: 8, firstUser: 4_000_000, answers, stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(2));
        Stack.Kafka.SetAllBrokersDown();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Stack.Kafka.SetAllBrokersUp();
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await load;

        // Deliveries that timed out are kept (they may be in the log): 202s, persisted by the
        // reconciler once the brokers are back when they were not.
        Assert.Contains(answers, a => a.Status == HttpStatusCode.Accepted);
        Assert.DoesNotContain(answers, a => a.Status == HttpStatusCode.InternalServerError);
        Assert.Equal((api, worker), (shared.Api.ProcessId, shared.Worker.ProcessId));
        Assert.Equal(HttpStatusCode.Accepted, await IssueOnceBackAsync(campaign.Id, 1));
        var accepted = answers.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.User).Append(1).ToList();
        await Invariants.AssertAsync(campaign.Id, LoadQuantity, accepted, [.. answers.Select(a => a.User).Except(accepted)],
            drainTimeout: TimeSpan.FromSeconds(90));
    }

    // Two seconds of load, Redis stopped (SIGSTOP) for `stall`, three seconds more, then the load stops.
    private async Task StallRedisUnderLoadAsync(TimeSpan stall, CancellationTokenSource stop, Task load)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        using (FrozenProcess.Freeze(Stack.ProcessIdOf("redis")))
            await Task.Delay(stall);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await load;
    }
}
