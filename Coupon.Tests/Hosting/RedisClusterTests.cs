using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Coupon.AppHost.Redis;
using Coupon.Core.Issuing;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Coupon.Tests.Hosting;

// The AppHost with redis as a local Redis Cluster of three masters (AppHost:RedisShards=3), api
// and worker on it through Aspire's client integration, as one test: each start costs a minute.
[Collection(StackCollection.Name)]
public sealed class RedisClusterTests(StackFixture stack, ITestOutputHelper output) : IDisposable
{
    private const string StoppedShard = "redis-2";
    private static readonly TimeSpan StormBound = TimeSpan.FromMinutes(3);

    private readonly string _state = Directory.CreateTempSubdirectory("coupon-cluster-").FullName;

    [Fact]
    public async Task Campaigns_spread_over_three_shards_sell_exactly_and_a_stopped_master_refuses_only_its_campaigns_until_it_is_back()
    {
        var builder = await ClusterAppHostAsync();
        var cluster = builder.Resources.OfType<RedisClusterResource>().Single();
        Assert.Equal(["redis-1", "redis-2", "redis-3"], cluster.Shards.Select(shard => shard.Name));
        Dictionary<long, string> open;
        List<Answer> answersOfOpen;
        CampaignInvariants invariants;
        IReadOnlyList<int> ports;
        await using (var app = await CouponAppHost.StartAsync(builder))
        {
            var connectionString = (await app.GetConnectionStringAsync("redis"))!;
            Assert.Equal(3, connectionString.Split(',').Count(part => part.StartsWith("127.0.0.1:", StringComparison.Ordinal)));
            ports = [.. cluster.Shards.Select(shard => shard.PrimaryEndpoint.Port)];
            invariants = new CampaignInvariants((await app.GetConnectionStringAsync("coupondb"))!);
            using var api = new IssuingClient(app.GetEndpoint("api", "http"), stack.Tokens);
            await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
            await using var probe = new RedisProbe(connectionString);
            var now = await probe.NowAsync();

            // Campaigns land on every shard: the slot Redis gives each one's keys, served by each shard.
            var soldOut = await CampaignsOnEveryShardAsync(api, redis, cluster, quantity: 50, now);
            var storm = await IssueAllAsync(api, Requests(soldOut.Keys, firstUser: 1, users: 150));
            foreach (var campaignId in soldOut.Keys)
            {
                var (accepted, refused) = Outcomes(storm, campaignId);
                Assert.Equal(50, accepted.Count);
                await invariants.AssertAsync(campaignId, 50, accepted, refused, TimeSpan.FromSeconds(60));
            }
            Assert.DoesNotContain(storm, answer => answer.Status == HttpStatusCode.InternalServerError);

            // One master stopped in the middle of a storm over campaigns that never sell out.
            open = await CampaignsOnEveryShardAsync(api, redis, cluster, quantity: 100_000, now);
            var onStopped = open.Where(campaign => campaign.Value == StoppedShard).Select(campaign => campaign.Key).ToHashSet();
            var answered = 0;
            var stormRequests = Requests(open.Keys, firstUser: 1_001, users: 500);
            var outageStorm = IssueAllAsync(api, stormRequests, _ => Interlocked.Increment(ref answered));
            while (Volatile.Read(ref answered) < stormRequests.Count / 5 && !outageStorm.IsCompleted)
                await Task.Delay(10);
            await CommandAsync(app, StoppedShard, KnownResourceCommands.StopCommand, KnownResourceStates.Exited, KnownResourceStates.Finished);
            var stoppedAt = Stopwatch.GetTimestamp();
            var outage = await outageStorm;
            var duringOutage = outage.Where(answer => answer.SentAt > stoppedAt).ToList();
            output.WriteLine($"{outage.Count} answers, {duringOutage.Count} sent after {StoppedShard} stopped: " + string.Join(", ",
                duringOutage.GroupBy(answer => (onStopped.Contains(answer.CampaignId) ? StoppedShard : "others", answer.Status))
                    .Select(group => $"{group.Key} {group.Count()} (slowest {group.Max(answer => answer.Took.TotalMilliseconds):0} ms)")));
            Assert.DoesNotContain(outage, answer => answer.Status == HttpStatusCode.InternalServerError);
            foreach (var campaignId in open.Keys)
            {
                var answers = duringOutage.Where(answer => answer.CampaignId == campaignId).ToList();
                Assert.NotEmpty(answers);
                if (onStopped.Contains(campaignId))
                    Assert.All(answers, answer => Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status));
                else
                    Assert.Contains(answers, answer => answer.Status == HttpStatusCode.Accepted);
            }

            // The worker still rebuilds a campaign whose state another shard lost.
            var lost = open.First(campaign => campaign.Value != StoppedShard).Key;
            Assert.True(await redis.GetDatabase().KeyDeleteAsync(new CampaignKeys(lost).Meta));
            var rebuilt = await IssueUntilAcceptedAsync(api, [lost], firstUser: 8_001);
            Assert.False(app.ResourceNotifications.TryGetCurrentState(StoppedShard, out var stopped) && stopped.Snapshot.State?.Text == KnownResourceStates.Running);

            // Back: its campaigns issue again, and Redis and MySQL agree on every winner.
            await CommandAsync(app, StoppedShard, KnownResourceCommands.StartCommand, KnownResourceStates.Running);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("redis").WaitAsync(CouponAppHost.StartTimeout);
            answersOfOpen = [.. outage, .. rebuilt, .. await IssueUntilAcceptedAsync(api, onStopped, firstUser: 9_001)];
            foreach (var campaignId in open.Keys)
            {
                var (accepted, refused) = Outcomes(answersOfOpen, campaignId);
                await invariants.AssertAsync(campaignId, 100_000, accepted, refused, TimeSpan.FromSeconds(90));
                var rows = (await invariants.RowsAsync(campaignId)).Count;
                var winners = await Poll.UntilAsync(() => redis.GetDatabase().HashLengthAsync(new CampaignKeys(campaignId).Winners),
                    count => count == rows, TimeSpan.FromSeconds(60));
                Assert.Equal(rows, winners);
            }
        }

        // Started again on the same state: the shards meet at their new ports and keep their campaigns.
        var again = await ClusterAppHostAsync();
        await using (var app = await CouponAppHost.StartAsync(again))
        {
            var shards = again.Resources.OfType<RedisClusterResource>().Single().Shards;
            output.WriteLine($"Shard ports {string.Join(", ", ports)}, then {string.Join(", ", shards.Select(shard => shard.PrimaryEndpoint.Port))}");
            Assert.NotEqual(ports, shards.Select(shard => shard.PrimaryEndpoint.Port));
            invariants = new CampaignInvariants((await app.GetConnectionStringAsync("coupondb"))!);
            using var api = new IssuingClient(app.GetEndpoint("api", "http"), stack.Tokens);
            answersOfOpen.AddRange(await IssueUntilAcceptedAsync(api, open.Keys, firstUser: 10_001));
            foreach (var campaignId in open.Keys)
            {
                var (accepted, refused) = Outcomes(answersOfOpen, campaignId);
                await invariants.AssertAsync(campaignId, 100_000, accepted, refused, TimeSpan.FromSeconds(90));
            }
        }
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private async Task<IDistributedApplicationTestingBuilder> ClusterAppHostAsync() =>
        (await CouponAppHost.CreateAsync(_state, stack.Secrets, ["--AppHost:RedisShards=3"])).WithShortReconcileGrace();

    private sealed record Answer(long CampaignId, long UserId, HttpStatusCode Status, long SentAt, TimeSpan Took);

    // Campaigns until every shard holds at least one: campaign id -> the shard serving its keys.
    private static async Task<Dictionary<long, string>> CampaignsOnEveryShardAsync(IssuingClient api, ConnectionMultiplexer redis,
        RedisClusterResource cluster, int quantity, DateTimeOffset redisNow)
    {
        var campaigns = new Dictionary<long, string>();
        while (campaigns.Values.Distinct().Count() < cluster.Shards.Count)
        {
            Assert.True(campaigns.Count < 30, $"30 campaigns, all on {string.Join(", ", campaigns.Values.Distinct())}.");
            var campaign = await api.CreateOpenCampaignAsync(quantity, redisNow);
            campaigns[campaign.Id] = await ShardOfAsync(redis, cluster, campaign.Id);
        }
        return campaigns;
    }

    private static async Task<string> ShardOfAsync(ConnectionMultiplexer redis, RedisClusterResource cluster, long campaignId)
    {
        var meta = new CampaignKeys(campaignId).Meta;
        var slot = (int)await redis.GetDatabase().ExecuteAsync("CLUSTER", "KEYSLOT", meta.ToString());
        Assert.Equal(slot, (int)await redis.GetDatabase().ExecuteAsync("CLUSTER", "KEYSLOT", new CampaignKeys(campaignId).Winners.ToString()));
        var owner = (await redis.GetServers().First(server => server.IsConnected).ClusterNodesAsync())!.GetBySlot(slot)!.EndPoint;
        var port = ((IPEndPoint)owner!).Port;
        // The shard holds the campaign's meta in that slot.
        Assert.True((long)await redis.GetServer(owner).ExecuteAsync("CLUSTER", "COUNTKEYSINSLOT", slot) >= 1);
        return cluster.Shards.Single(shard => shard.PrimaryEndpoint.Port == port).Name;
    }

    // Every user once on every campaign, in a fixed random order.
    private static List<(long CampaignId, long UserId)> Requests(IEnumerable<long> campaigns, long firstUser, int users)
    {
        var random = new Random(20261130);
        return [.. campaigns.SelectMany(campaignId => Enumerable.Range(0, users).Select(user => (campaignId, firstUser + user))).OrderBy(_ => random.Next())];
    }

    private static async Task<List<Answer>> IssueAllAsync(IssuingClient api, IEnumerable<(long CampaignId, long UserId)> requests, Action<Answer>? answered = null)
    {
        var answers = new ConcurrentBag<Answer>();
        using var bound = new CancellationTokenSource(StormBound);
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = bound.Token }, async (request, _) =>
        {
            var sentAt = Stopwatch.GetTimestamp();
            using var response = await api.IssueAsync(request.CampaignId, request.UserId);
            var answer = new Answer(request.CampaignId, request.UserId, response.StatusCode, sentAt, Stopwatch.GetElapsedTime(sentAt));
            answers.Add(answer);
            answered?.Invoke(answer);
        });
        return [.. answers];
    }

    // New users on each campaign, each retried on 503 (5 times a second, under the per-user
    // limit) until it gets its 202.
    private static async Task<List<Answer>> IssueUntilAcceptedAsync(IssuingClient api, IEnumerable<long> campaigns, long firstUser)
    {
        var answers = new List<Answer>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var (campaignId, userId) in Requests(campaigns, firstUser, users: 10))
        {
            var answer = (await IssueAllAsync(api, [(campaignId, userId)])).Single();
            answers.Add(answer);
            while (answer.Status == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                answer = (await IssueAllAsync(api, [(campaignId, userId)])).Single();
                answers.Add(answer);
            }
            Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        }
        return answers;
    }

    private static (List<long> Accepted, List<long> Refused) Outcomes(IEnumerable<Answer> answers, long campaignId)
    {
        var byUser = answers.Where(answer => answer.CampaignId == campaignId).GroupBy(answer => answer.UserId).ToList();
        return ([.. byUser.Where(user => user.Any(answer => answer.Status == HttpStatusCode.Accepted)).Select(user => user.Key)],
            [.. byUser.Where(user => user.All(answer => answer.Status != HttpStatusCode.Accepted)).Select(user => user.Key)]);
    }

    private static async Task CommandAsync(DistributedApplication app, string resource, string command, params string[] states)
    {
        var result = await app.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command);
        Assert.True(result.Success, $"{command} on {resource}: {result.Message}");
        await app.ResourceNotifications.WaitForResourceAsync(resource, states).WaitAsync(CouponAppHost.StartTimeout);
    }
}
