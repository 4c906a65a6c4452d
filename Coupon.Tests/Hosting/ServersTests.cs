using Confluent.Kafka;
using Coupon.Core.Messaging;
using Coupon.Kafka;
using Coupon.Tests.Fixture;
using MySqlConnector;
using StackExchange.Redis;

namespace Coupon.Tests.Hosting;

[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class ServersTests(StackFixture stack)
{
    [Fact]
    public async Task Redis_answers_ping_with_the_password_and_refuses_without_it()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await redis.GetDatabase().PingAsync();

        var anonymous = ConfigurationOptions.Parse(stack.RedisConnectionString);
        anonymous.Password = null;
        var refused = await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(anonymous));
        Assert.Contains("NOAUTH", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MySql_serves_coupondb_to_its_own_user_with_nothing_beyond_that_database()
    {
        await using var connection = new MySqlConnection(stack.CouponDbConnectionString);
        await connection.OpenAsync();
        await using (var command = new MySqlCommand("SELECT DATABASE(), VERSION(), CURRENT_USER()", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(StackFixture.CouponDatabase, reader.GetString(0));
            Assert.Contains("MariaDB", reader.GetString(1), StringComparison.Ordinal);
            Assert.Equal("coupon@127.0.0.1", reader.GetString(2));
        }

        // No other database, no server files: what a leaked application password can reach.
        await Assert.ThrowsAsync<MySqlException>(() => new MySqlCommand("SELECT COUNT(*) FROM mysql.user", connection).ExecuteScalarAsync());
        await Assert.ThrowsAsync<MySqlException>(() => new MySqlCommand("SELECT LOAD_FILE('/etc/passwd') INTO OUTFILE '/tmp/coupon-leak'", connection).ExecuteScalarAsync());
        Assert.DoesNotContain(stack.CouponDbConnectionString.Split(';'), part => part.Equals("User ID=root", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Kafka_delivers_a_produced_event_to_a_consumer_group()
    {
        var key = Guid.NewGuid().ToString("N");
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
        }).Build();
        // Not the issued topic: what the worker consumes there is pruned soon after (see below).
        var delivery = await producer.ProduceAsync(EmbeddedKafka.DeadLetterTopic, new Message<string, string> { Key = key, Value = "{}" });
        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = $"servers-test-{key}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 1000,
        }).Build();
        consumer.Subscribe(EmbeddedKafka.DeadLetterTopic);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ConsumeResult<string, string>? found = null;
        while (found is null && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result?.Message.Key == key)
            {
                found = result;
            }
        }
        consumer.Close();

        Assert.NotNull(found);
        Assert.Equal(delivery.TopicPartitionOffset, found.TopicPartitionOffset);
    }

    [Fact]
    public async Task Kafka_deletes_what_the_worker_group_committed_once_the_retention_passed_and_nothing_else()
    {
        await using var kafka = new EmbeddedKafka { PruneConsumedAfter = TimeSpan.FromSeconds(1) };
        await kafka.StartAsync();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        async Task ProduceAsync(int count)
        {
            for (var i = 0; i < count; i++)
                producer.Produce(EmbeddedKafka.IssuedTopic, new Message<string, string> { Key = $"user-{i}", Value = "{}" });
            await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(10)));
        }
        using var worker = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = CouponTopics.WorkerGroup,
            EnableAutoCommit = false,
        }).Build();
        var partitions = Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions)
            .Select(partition => new TopicPartition(EmbeddedKafka.IssuedTopic, partition)).ToList();

        await ProduceAsync(200);
        var committed = partitions.Select(p => new TopicPartitionOffset(p, worker.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)).High)).ToList();
        worker.Commit(committed);
        await ProduceAsync(100);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<WatermarkOffsets> watermarks;
        do
        {
            await Task.Delay(200);
            watermarks = [.. partitions.Select(p => worker.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)))];
        }
        while (watermarks.Zip(committed).Any(w => w.First.Low < w.Second.Offset) && DateTime.UtcNow < deadline);

        // Every partition now starts at the group's committed offset: the 200 committed events are
        // gone, the 100 produced after the commit are all there.
        Assert.Equal(committed.Select(c => c.Offset.Value), watermarks.Select(w => w.Low.Value));
        Assert.Equal(100, watermarks.Sum(w => w.High.Value - w.Low.Value));
    }

    [Fact]
    public void Kafka_advertises_its_brokers_on_loopback_with_coupon_topics()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = stack.KafkaBootstrapServers }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));

        Assert.All(metadata.Brokers, broker => Assert.Equal("127.0.0.1", broker.Host));
        Assert.Equal(EmbeddedKafka.IssuedTopicPartitions, metadata.Topics.Single(t => t.Topic == EmbeddedKafka.IssuedTopic).Partitions.Count);
        Assert.Contains(metadata.Topics, t => t.Topic == EmbeddedKafka.DeadLetterTopic);
    }

    [Fact]
    public async Task Kafka_hands_a_failed_brokers_partitions_and_the_worker_group_to_the_brokers_left_and_back()
    {
        // Faults go to a cluster of the test's own: the shared api and worker keep theirs healthy.
        await using var kafka = await EmbeddedKafka.StartNewAsync(brokerCount: 3);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).SetLogHandler((_, _) => { }).Build();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            MessageTimeoutMs = 5000,
        }).SetLogHandler((_, _) => { }).Build();
        using var group = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = CouponTopics.WorkerGroup,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        var partitions = Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions)
            .Select(partition => new TopicPartition(EmbeddedKafka.IssuedTopic, partition)).ToList();
        // The last broker coordinates the worker's group and leads some partitions too.
        var failed = kafka.BrokerIds[^1];
        var led = partitions.Where(p => kafka.LeaderOf(p.Topic, p.Partition) == failed).ToList();
        Assert.NotEmpty(led);

        kafka.FailBroker(failed);
        try
        {
            var metadata = admin.GetMetadata(EmbeddedKafka.IssuedTopic, TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(metadata.Brokers, broker => broker.BrokerId == failed);
            Assert.All(metadata.Topics.Single().Partitions, partition => Assert.NotEqual(failed, partition.Leader));
            // Every partition takes events, and the group commits, on the brokers left.
            var delivered = await Task.WhenAll(partitions.Select(partition =>
                producer.ProduceAsync(partition, new Message<string, string> { Key = "servers-test", Value = "{}" })));
            Assert.All(delivered, delivery => Assert.Equal(PersistenceStatus.Persisted, delivery.Status));
            var offsets = delivered.Select(d => new TopicPartitionOffset(d.TopicPartition, d.Offset + 1)).ToList();
            group.Commit(offsets);
            Assert.Equal(offsets, group.Committed(partitions, TimeSpan.FromSeconds(10)).OrderBy(c => c.Partition.Value));
        }
        finally
        {
            kafka.SetBrokerUp(failed);
        }

        var back = admin.GetMetadata(EmbeddedKafka.IssuedTopic, TimeSpan.FromSeconds(10));
        Assert.Contains(back.Brokers, broker => broker.BrokerId == failed);
        Assert.Equal(led.Select(p => p.Partition.Value), back.Topics.Single().Partitions.Where(p => p.Leader == failed).Select(p => p.PartitionId).Order());
    }

    [Fact]
    public async Task A_started_project_serves_health_until_it_is_killed()
    {
        await using var api = await stack.StartProjectAsync(CouponProject.Api);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };

        using var health = await http.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);

        api.Kill();
        await api.WaitForExitAsync(TimeSpan.FromSeconds(20));
        // DCP's proxy still takes the connection, but nothing answers behind it.
        await Assert.ThrowsAnyAsync<Exception>(() => http.GetAsync("/health"));
    }

    [Fact]
    public async Task Redis_restarted_empty_answers_on_the_same_address_without_the_old_data()
    {
        var key = $"servers-test:{Guid.NewGuid():N}";
        await using (var before = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString))
        {
            await before.GetDatabase().StringSetAsync(key, "kept?");
        }

        await stack.RestartRedisEmptyAsync();

        await using var after = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        Assert.False(await after.GetDatabase().KeyExistsAsync(key));
    }

    [Fact]
    public async Task MySql_refuses_connections_while_stopped_and_keeps_its_data_across_a_restart()
    {
        var table = $"servers_test_{Guid.NewGuid():N}";
        await ExecuteAsync($"CREATE TABLE {table} (id INT PRIMARY KEY); INSERT INTO {table} VALUES (7)");

        await stack.StopResourceAsync("mysql");
        try
        {
            await Assert.ThrowsAsync<MySqlException>(() => ExecuteAsync("SELECT 1"));
        }
        finally
        {
            await stack.StartResourceAsync("mysql");
        }

        Assert.Equal(7, Convert.ToInt32(await ExecuteAsync($"SELECT id FROM {table}"), System.Globalization.CultureInfo.InvariantCulture));
        await ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Kafka_with_its_broker_down_fails_deliveries_and_delivers_again_once_it_is_up()
    {
        // Faults go to a cluster of the test's own: the shared api and worker keep theirs healthy.
        await using var kafka = await EmbeddedKafka.StartNewAsync();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            MessageTimeoutMs = 1500,
        }).SetLogHandler((_, _) => { }).Build();
        var message = new Message<string, string> { Key = "servers-test", Value = "{}" };

        kafka.SetAllBrokersDown();
        try
        {
            await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync(EmbeddedKafka.IssuedTopic, message));
        }
        finally
        {
            kafka.SetAllBrokersUp();
        }

        Assert.Equal(PersistenceStatus.Persisted, (await producer.ProduceAsync(EmbeddedKafka.IssuedTopic, message)).Status);
    }

    [Fact]
    public async Task Kafka_answers_pushed_request_errors_in_order_and_then_serves_again()
    {
        // Faults go to a cluster of the test's own: the shared api and worker keep theirs healthy.
        await using var kafka = await EmbeddedKafka.StartNewAsync();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            MessageSendMaxRetries = 0,
        }).SetLogHandler((_, _) => { }).Build();
        var message = new Message<string, string> { Key = "servers-test", Value = "{}" };
        await producer.ProduceAsync(EmbeddedKafka.IssuedTopic, message);

        kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.NotEnoughReplicas);
        var failed = await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync(EmbeddedKafka.IssuedTopic, message));

        Assert.Equal(ErrorCode.NotEnoughReplicas, failed.Error.Code);
        Assert.Equal(PersistenceStatus.Persisted, (await producer.ProduceAsync(EmbeddedKafka.IssuedTopic, message)).Status);
    }

    [Fact]
    public async Task Kafka_with_a_slow_broker_answers_after_its_round_trip_time()
    {
        // Faults go to a cluster of the test's own: the shared api and worker keep theirs healthy.
        await using var kafka = await EmbeddedKafka.StartNewAsync();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var message = new Message<string, string> { Key = "servers-test", Value = "{}" };
        await producer.ProduceAsync(EmbeddedKafka.IssuedTopic, message);

        kafka.SetBrokerRtt(kafka.BrokerIds[0], TimeSpan.FromMilliseconds(400));
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await producer.ProduceAsync(EmbeddedKafka.IssuedTopic, message);
        }
        finally
        {
            kafka.SetBrokerRtt(kafka.BrokerIds[0], TimeSpan.Zero);
        }

        Assert.InRange(elapsed.Elapsed, TimeSpan.FromMilliseconds(380), TimeSpan.FromSeconds(10));
    }

    private async Task<object?> ExecuteAsync(string sql)
    {
        await using var connection = new MySqlConnection(stack.CouponDbConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
