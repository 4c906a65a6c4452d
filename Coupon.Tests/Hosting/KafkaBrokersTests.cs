using System.Collections.Concurrent;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Coupon.AppHost.Kafka;
using Coupon.Kafka;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Coupon.Tests.Hosting;

// The AppHost with three Kafka brokers (AppHost:KafkaBrokers=3), every partition replicated on
// all three, api and worker on them. An app of its own, as one test: each start costs a minute,
// and the run's shared stack keeps the one broker the local stack runs.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class KafkaBrokersTests(StackFixture stack, ITestOutputHelper output) : IDisposable
{
    private const int LoadQuantity = 1_000_000;

    private readonly string _state = Directory.CreateTempSubdirectory("coupon-brokers-").FullName;

    [Fact]
    public async Task Each_of_three_brokers_failing_in_turn_under_load_turns_nobody_away_and_loses_nothing()
    {
        var builder = await CouponAppHost.CreateAsync(_state, stack.Secrets, [$"--{KafkaBuilderExtensions.BrokersSetting}=3"]);
        var kafka = builder.Resources.OfType<EmbeddedKafkaResource>().Single().Cluster;
        await using var app = await CouponAppHost.StartAsync(builder);
        AssertReplicatedOnThreeBrokers(kafka);
        var processes = await ProcessesAsync(app);
        using var api = new IssuingClient(app.GetEndpoint("api", "http"), stack.Tokens);
        await using var redis = new RedisProbe((await app.GetConnectionStringAsync("redis"))!);
        var invariants = new CampaignInvariants((await app.GetConnectionStringAsync("coupondb"))!);

        var campaign = await api.CreateOpenCampaignAsync(LoadQuantity, await redis.NowAsync());
        var answers = new ConcurrentBag<(long User, HttpStatusCode Status)>();
        using var stop = new CancellationTokenSource();
        var load = api.IssueToNewUsersUntilStoppedAsync(campaign.Id, clients: 16, firstUser: 1, answers, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var whileDown = new List<(int Broker, int Led, int Answers, int Rows)>();
        foreach (var broker in kafka.BrokerIds)
        {
            var led = Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions).Count(p => kafka.LeaderOf(EmbeddedKafka.IssuedTopic, p) == broker);
            var (answered, rows) = (answers.Count, (await invariants.RowsAsync(campaign.Id)).Count);
            kafka.FailBroker(broker);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
                whileDown.Add((broker, led, answers.Count - answered, (await invariants.RowsAsync(campaign.Id)).Count - rows));
            }
            finally
            {
                kafka.SetBrokerUp(broker);
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        await stop.CancelAsync();
        await load;
        output.WriteLine(string.Join("; ", whileDown.Select(w => $"broker {w.Broker} down (led {w.Led} partitions): {w.Answers} answers, {w.Rows} rows")));
        output.WriteLine(string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{(int)g.Key}: {g.Count()}")));

        // Each broker led partitions when it failed, and issuing and persisting went on meanwhile.
        Assert.All(whileDown, w => Assert.True(w.Led > 0 && w.Answers > 0 && w.Rows > 0, $"Broker {w.Broker} down: {w}"));
        // The brokers left took over at once: no request waited out the producer's timeout (a 503).
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        Assert.Equal(processes, await ProcessesAsync(app));
        await invariants.AssertAsync(campaign.Id, LoadQuantity, [.. answers.Select(a => a.User)], [], drainTimeout: TimeSpan.FromSeconds(90));

        await AssertFailBrokerCommandAsync(app, kafka);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    // Three brokers on loopback; both topics on all three, the issued topic's leaders spread over them.
    private static void AssertReplicatedOnThreeBrokers(EmbeddedKafka kafka)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));

        Assert.Equal(3, metadata.Brokers.Count);
        Assert.All(metadata.Brokers, broker => Assert.Equal("127.0.0.1", broker.Host));
        var issued = metadata.Topics.Single(t => t.Topic == EmbeddedKafka.IssuedTopic).Partitions;
        Assert.Equal(EmbeddedKafka.IssuedTopicPartitions, issued.Count);
        Assert.Equal(3, issued.Select(partition => partition.Leader).Distinct().Count());
        var deadLetters = Assert.Single(metadata.Topics.Single(t => t.Topic == EmbeddedKafka.DeadLetterTopic).Partitions);
        Assert.All(issued.Append(deadLetters), partition => Assert.Equal(3, partition.InSyncReplicas.Length));
    }

    // The dashboard's "Fail one broker" takes the first broker down and its leaderships away;
    // "Bring the brokers up" gives them back.
    private static async Task AssertFailBrokerCommandAsync(DistributedApplication app, EmbeddedKafka kafka)
    {
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var first = kafka.BrokerIds[0];
        int[] Leaders() => [.. Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions).Select(p => kafka.LeaderOf(EmbeddedKafka.IssuedTopic, p))];

        var failed = await commands.ExecuteCommandAsync("kafka", "fail-broker");
        var (firstUp, leaders) = (kafka.IsUp(first), Leaders());
        var back = await commands.ExecuteCommandAsync("kafka", "brokers-up");

        Assert.True(failed.Success, failed.Message);
        Assert.False(firstUp);
        Assert.DoesNotContain(first, leaders);
        Assert.True(back.Success, back.Message);
        Assert.All(kafka.BrokerIds, id => Assert.True(kafka.IsUp(id)));
        Assert.Contains(first, Leaders());
    }

    private static async Task<(int Api, int Worker)> ProcessesAsync(DistributedApplication app) =>
        ((await app.RunningInstancesAsync("api")).Single().ProcessId, (await app.RunningInstancesAsync("worker")).Single().ProcessId);
}
