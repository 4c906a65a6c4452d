using System.Collections.Concurrent;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Coupon.AppHost.Hosting;
using Coupon.AppHost.Kafka;
using Coupon.AppHost.MySql;
using Coupon.AppHost.Redis;
using Coupon.Bench.Measuring;
using Coupon.Core.Contracts;
using Coupon.Kafka;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Coupon.Tests.Hosting;

// The AppHost as a whole, started again beside the run's shared one: other settings, replicas,
// a restart on the same state folder. In the stack collection, so one app starts at a time.
[Collection(StackCollection.Name)]
public sealed class AppHostTests(StackFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("coupon-apphost-").FullName;

    [Fact]
    public async Task Configured_connection_strings_start_no_server_and_the_issue_path_runs_on_them()
    {
        await using var kafka = await EmbeddedKafka.StartNewAsync();
        var builder = await CouponAppHost.CreateAsync(_state, stack.Secrets,
        [
            $"--ConnectionStrings:redis={stack.RedisConnectionString}",
            $"--ConnectionStrings:kafka={kafka.BootstrapServers}",
            $"--ConnectionStrings:coupondb={stack.CouponDbConnectionString}",
        ]);

        Assert.DoesNotContain(builder.Resources, resource => resource is RedisServerResource or MariaDbServerResource or EmbeddedKafkaResource);
        // Each is Aspire's connection-string resource: a configured value, nothing to start.
        Assert.All((string[])["redis", "kafka", "coupondb"], name =>
            Assert.IsAssignableFrom<ParameterResource>(builder.Resources.Single(resource => resource.Name == name)));
        await using var app = await CouponAppHost.StartAsync(builder);

        await IssueAndPersistAsync(app, stack.CouponDbConnectionString);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_state));
    }

    [Theory]
    [InlineData(null, "`redis-server` was not found", "apt-get install -y redis-server", "ConnectionStrings:redis")]
    [InlineData("redis", "`mariadbd` was not found", "apt-get install -y mariadb-server", "ConnectionStrings:coupondb")]
    public async Task A_missing_server_program_stops_the_AppHost_before_anything_starts(string? externalServer, params string[] expected)
    {
        string[] settings = externalServer is null
            ? [$"--{ServerProgram.SearchPathKey}={_state}"]
            : [$"--{ServerProgram.SearchPathKey}={_state}", $"--ConnectionStrings:{externalServer}={stack.RedisConnectionString}"];

        var missing = await Assert.ThrowsAsync<MissingServerProgramException>(() => CouponAppHost.CreateAsync(_state, stack.Secrets, settings));

        Assert.All(expected, text => Assert.Contains(text, missing.Message, StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_state));
    }

    [Fact]
    public async Task Three_api_and_two_worker_replicas_issue_exactly_each_quantity_though_a_worker_is_killed_mid_storm()
    {
        var builder = await CouponAppHost.CreateAsync(_state, stack.Secrets, ["--AppHost:ApiReplicas=3", "--AppHost:WorkerReplicas=2"]);
        await using var app = await CouponAppHost.StartAsync(builder);
        Assert.Equal(3, (await app.RunningInstancesAsync("api")).Count);
        var workers = await app.RunningInstancesAsync("worker");
        Assert.Equal(2, workers.Count);
        var couponDb = (await app.GetConnectionStringAsync("coupondb"))!;
        using var api = new IssuingClient(app.GetEndpoint("api", "http"), stack.Tokens);
        await using var redis = new RedisProbe((await app.GetConnectionStringAsync("redis"))!);
        var now = await redis.NowAsync();
        int[] quantities = [200, 300, 400, 500];
        var campaigns = new List<CampaignView>();
        foreach (var quantity in quantities)
            campaigns.Add(await api.CreateOpenCampaignAsync(quantity, now));

        // One worker dies (SIGKILL, no goodbye to the consumer group) when a third is given: the
        // other takes its partitions over and persists what the dead one had not committed.
        var killAt = quantities.Sum() / 3;
        var acceptedSoFar = 0;
        var storm = StormAsync(api, [.. campaigns.Select(c => c.Id)], requests: 12_000, users: 2_500, TimeSpan.FromMinutes(3), answered: status =>
        {
            if (status == HttpStatusCode.Accepted && Interlocked.Increment(ref acceptedSoFar) == killAt)
                ProcessTree.Kill(workers[0].ProcessId);
        });
        var answers = await storm;
        Assert.False(ProcessTree.IsAlive(workers[0].ProcessId));
        Assert.Single(await app.RunningInstancesAsync("worker"));
        Assert.DoesNotContain(answers, answer => answer.Status == HttpStatusCode.InternalServerError);

        foreach (var (campaign, quantity) in campaigns.Zip(quantities))
        {
            var answered = answers.Where(a => a.CampaignId == campaign.Id).ToList();
            var accepted = answered.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.UserId).ToList();
            output.WriteLine($"campaign {campaign.Id}: {answered.Count} answers, {accepted.Count} accepted of {quantity}");
            Assert.Equal(quantity, accepted.Count);
            await new CampaignInvariants(couponDb).AssertAsync(campaign.Id, quantity, accepted,
                answered.Select(a => a.UserId).Distinct().Except(accepted).ToList(), TimeSpan.FromSeconds(90));
        }
    }

    [Fact]
    public async Task Stopped_in_the_middle_of_a_storm_and_started_again_every_202_is_exactly_one_row()
    {
        // Winners live in Redis's append-only file; the in-memory Kafka loses what the worker had
        // not persisted, and the reconciler (a short grace here) publishes those winners again.
        string[] settings = [];
        var first = await CouponAppHost.CreateAsync(_state, stack.Secrets, settings);
        var app = await CouponAppHost.StartAsync(first.WithShortReconcileGrace());
        using var api = new IssuingClient(app.GetEndpoint("api", "http"), stack.Tokens);
        long campaignId;
        await using (var redis = new RedisProbe((await app.GetConnectionStringAsync("redis"))!))
            campaignId = (await api.CreateOpenCampaignAsync(5_000, await redis.NowAsync())).Id;

        // Stopped when half the quantity has been given, while requests are still arriving.
        using var stopping = new CancellationTokenSource();
        var acceptedSoFar = 0;
        var storm = StormAsync(api, [campaignId], requests: 20_000, users: 20_000, TimeSpan.FromMinutes(2), stopping.Token, answered: status =>
            {
                if (status == HttpStatusCode.Accepted)
                    Interlocked.Increment(ref acceptedSoFar);
            });
        while (!storm.IsCompleted && Volatile.Read(ref acceptedSoFar) < 2_500)
            await Task.Delay(10);
        await app.StopAsync();
        await stopping.CancelAsync();
        var answers = await storm;
        await app.DisposeAsync();
        var accepted = answers.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.UserId).ToList();
        output.WriteLine($"{answers.Count} answers before the stop, {accepted.Count} accepted");
        Assert.InRange(accepted.Count, 2_500, 5_000);

        await using var again = await CouponAppHost.StartAsync((await CouponAppHost.CreateAsync(_state, stack.Secrets, settings)).WithShortReconcileGrace());
        await new CampaignInvariants((await again.GetConnectionStringAsync("coupondb"))!).AssertAsync(campaignId, 5_000, accepted,
            answers.Select(a => a.UserId).Except(accepted).ToList(), TimeSpan.FromSeconds(90));
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private async Task IssueAndPersistAsync(DistributedApplication app, string couponDb)
    {
        using var api = new IssuingClient(app.GetEndpoint("api", "http"), stack.Tokens);
        await using var redis = new RedisProbe(stack.RedisConnectionString);
        var campaign = await api.CreateOpenCampaignAsync(10, await redis.NowAsync());
        using (var issued = await api.IssueAsync(campaign.Id, 42))
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        await new CampaignInvariants(couponDb).AssertAsync(campaign.Id, 10, accepted: [42], refused: []);
    }

    // Random users over the campaigns, 64 at a time, until done or cancelled; a request cut off by
    // a stop has no answer.
    private static async Task<List<(long CampaignId, long UserId, HttpStatusCode Status)>> StormAsync(
        IssuingClient api, long[] campaignIds, int requests, int users, TimeSpan bound, CancellationToken stop = default,
        Action<HttpStatusCode>? answered = null)
    {
        var random = new Random(20261130);
        var order = Enumerable.Range(0, requests).Select(_ => (CampaignId: campaignIds[random.Next(campaignIds.Length)], UserId: (long)random.Next(1, users + 1))).ToArray();
        foreach (var userId in order.Select(request => request.UserId).Distinct())
            api.UserToken(userId);
        var answers = new ConcurrentBag<(long CampaignId, long UserId, HttpStatusCode Status)>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(bound);
        try
        {
            await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = limit.Token }, async (request, _) =>
            {
                try
                {
                    using var response = await api.IssueAsync(request.CampaignId, request.UserId);
                    answers.Add((request.CampaignId, request.UserId, response.StatusCode));
                    answered?.Invoke(response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    // The AppHost stopped under this request.
                }
                catch (TaskCanceledException)
                {
                    // Timed out while the AppHost stopped.
                }
            });
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            // Stopped, or the bound passed: what was answered is the result.
        }
        return [.. answers];
    }
}
