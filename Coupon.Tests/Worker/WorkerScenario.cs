using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Coupon.Testing;
using Coupon.Core.Contracts;
using Coupon.Core.Messaging;
using Coupon.Kafka;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using MySqlConnector;

namespace Coupon.Tests.Worker;

// What the worker tests share: campaigns created through the api, events produced straight to
// `coupon-issued`, and the rows read back from MySQL with the invariants every test ends on.
public sealed class WorkerScenario(StackFixture stack) : IDisposable
{
    private readonly IProducer<string, byte[]> _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
    {
        BootstrapServers = stack.KafkaBootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 2,
    }).Build();

    public async Task<long> CreateCampaignAsync(Uri api, int? totalQuantity)
    {
        using var client = new IssuingClient(api, stack.Tokens);
        var now = DateTimeOffset.UtcNow;
        return (await client.CreateCampaignAsync(totalQuantity, now.AddMinutes(-1), now.AddHours(1), $"worker test {Guid.NewGuid():N}")).Id;
    }

    // Where each user's event went, from its delivery report.
    public async Task<IReadOnlyList<(TopicPartitionOffset Position, long UserId)>> ProduceAsync(long campaignId, IEnumerable<long> userIds)
    {
        var deliveries = userIds
            .Select(async userId =>
            {
                var delivery = await _producer.ProduceAsync(CouponTopics.Issued,
                    new Message<string, byte[]> { Value = new CouponIssuedEvent(campaignId, userId, DateTimeOffset.UtcNow).ToJson() });
                return (delivery.TopicPartitionOffset, userId);
            })
            .ToList();
        return await Task.WhenAll(deliveries);
    }

    public Task ProduceRawAsync(string key, string value) =>
        _producer.ProduceAsync(CouponTopics.Issued, new Message<string, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(value) });

    public async Task<long> RowsAsync(long campaignId)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM coupon_issues WHERE campaign_id = @c", connection);
        command.Parameters.AddWithValue("@c", campaignId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async Task<bool> HasRowAsync(long campaignId, long userId)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM coupon_issues WHERE campaign_id = @c AND user_id = @u", connection);
        command.Parameters.AddWithValue("@c", campaignId);
        command.Parameters.AddWithValue("@u", userId);
        return Convert.ToInt64(await command.ExecuteScalarAsync()) == 1;
    }

    // Waits for the rows to reach the count, then a little longer to see that no more come.
    public async Task WaitForRowsAsync(long campaignId, long expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        long rows;
        while ((rows = await RowsAsync(campaignId)) < expected && deadline.Elapsed < timeout)
            await Task.Delay(200);
        Assert.Equal(expected, rows);
    }

    // rows ≤ total, no (coupon, user) twice, issued_quantity = rows (the bench's checks, with no
    // answers to hold them to: the events came from the test, not from requests); the row count.
    public async Task<long> AssertInvariantsAsync(long campaignId)
    {
        var report = await new Invariants(stack.CouponDbConnectionString).CheckAsync(campaignId, [], refused: _ => false, TimeSpan.Zero);
        Assert.True(report.Holds, $"campaign {campaignId}: {report.Summary}");
        return report.Rows;
    }

    public IReadOnlyList<Message<string, byte[]>> ReadDeadLetters(ICollection<string> values, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = $"dead-letter-reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 1000,
        }).Build();
        consumer.Subscribe(EmbeddedKafka.DeadLetterTopic);
        var found = new List<Message<string, byte[]>>();
        var deadline = Stopwatch.StartNew();
        while (found.Count < values.Count && deadline.Elapsed < timeout)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result && values.Contains(Encoding.UTF8.GetString(result.Message.Value)))
                found.Add(result.Message);
        }
        consumer.Close();
        return found;
    }

    // The worker group's committed offset of each `coupon-issued` partition (0 where it has none),
    // read by a consumer of the group that never joins it.
    public IReadOnlyDictionary<int, long> CommittedOffsets()
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = "coupon-worker",
        }).Build();
        return probe.Committed(IssuedPartitions(), TimeSpan.FromSeconds(5))
            .ToDictionary(c => c.Partition.Value, c => Math.Max(0, c.Offset.Value));
    }

    public async Task<IReadOnlyList<long>> UsersWithRowsAsync(long campaignId)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand("SELECT user_id FROM coupon_issues WHERE campaign_id = @c", connection);
        command.Parameters.AddWithValue("@c", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        var users = new List<long>();
        while (await reader.ReadAsync())
            users.Add(reader.GetInt64(0));
        return users;
    }

    private static List<TopicPartition> IssuedPartitions() =>
        Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions).Select(p => new TopicPartition(CouponTopics.Issued, p)).ToList();

    private async Task<MySqlConnection> OpenAsync()
    {
        var connection = new MySqlConnection(stack.CouponDbConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
