using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Confluent.Kafka;
using Coupon.Core.Contracts;
using Coupon.Core.Messaging;
using Coupon.Kafka;
using Coupon.Tests.Fixture;
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
        using var client = new HttpClient { BaseAddress = api };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            stack.Tokens.CreateOperatorToken("worker-tests", TimeSpan.FromMinutes(5)));
        var now = DateTimeOffset.UtcNow;
        var response = await client.PostAsJsonAsync("/api/admin/coupons",
            new CampaignRequest($"worker test {Guid.NewGuid():N}", totalQuantity, 1000m, 0m, now.AddMinutes(-1), now.AddHours(1)));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CampaignView>())!.Id;
    }

    public async Task ProduceAsync(long campaignId, IEnumerable<long> userIds)
    {
        var deliveries = userIds
            .Select(userId => new CouponIssuedEvent(campaignId, userId, DateTimeOffset.UtcNow))
            .Select(issued => _producer.ProduceAsync(CouponTopics.Issued,
                new Message<string, byte[]> { Value = issued.ToJson() }))
            .ToList();
        await Task.WhenAll(deliveries);
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

    // rows ≤ total, no (coupon, user) twice, issued_quantity = COUNT(rows); returns the row count.
    public async Task<long> AssertInvariantsAsync(long campaignId)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand("""
            SELECT c.total_quantity, c.issued_quantity, COUNT(i.id), COUNT(DISTINCT i.user_id)
            FROM campaigns c LEFT JOIN coupon_issues i ON i.campaign_id = c.id
            WHERE c.id = @c GROUP BY c.id, c.total_quantity, c.issued_quantity
            """, connection);
        command.Parameters.AddWithValue("@c", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"campaign {campaignId} is not in MySQL");
        int? total = reader.IsDBNull(0) ? null : reader.GetInt32(0);
        var issuedQuantity = reader.GetInt64(1);
        var rows = reader.GetInt64(2);
        var distinctUsers = reader.GetInt64(3);
        if (total is { } limit)
            Assert.True(rows <= limit, $"campaign {campaignId}: {rows} rows for a quantity of {limit}");
        Assert.Equal(rows, distinctUsers);
        Assert.Equal(rows, issuedQuantity);
        return rows;
    }

    // The dead letters whose original value is one of the given ones, read by a fresh group.
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

    // The worker group's committed offsets and the high watermarks of `coupon-issued`, summed
    // over its partitions, read by a consumer of the group that never joins it.
    public (long Committed, long High) GroupProgress()
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = "coupon-worker",
        }).Build();
        var partitions = Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions)
            .Select(p => new TopicPartition(CouponTopics.Issued, p))
            .ToList();
        var timeout = TimeSpan.FromSeconds(5);
        var committed = probe.Committed(partitions, timeout).Sum(c => Math.Max(0, c.Offset.Value));
        var high = partitions.Sum(p => probe.QueryWatermarkOffsets(p, timeout).High.Value);
        return (committed, high);
    }

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
