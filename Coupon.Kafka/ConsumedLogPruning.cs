using Confluent.Kafka;
using Coupon.Core.Messaging;

namespace Coupon.Kafka;

// Deletes from the embedded Kafka's issued topic what the worker's group committed a while ago.
// The mock cluster looks an offset up by walking the partition's log from its start (it keeps no
// index), so every fetch cost as much as the log was long: at a few thousand
// issues a second its walks took a third of the machine. Real Kafka indexes its logs; here the
// logs are kept short instead. Only what the group committed `retention` ago goes, so a reader
// that starts soon after still finds what the worker has already persisted.
internal sealed class ConsumedLogPruning : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private static readonly List<TopicPartition> IssuedPartitions = [.. Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions)
        .Select(partition => new TopicPartition(EmbeddedKafka.IssuedTopic, partition))];

    private readonly EmbeddedKafka _kafka;
    private readonly TimeSpan _retention;
    // A consumer of the worker's group that never subscribes, so it never joins the group. Not
    // librdkafka's admin client: that one aborts its whole process on an assertion
    // (rd_kafka_enq_once_del_source_return) when a group request it gave up on is answered by a
    // broker going down.
    private readonly IConsumer<Ignore, Ignore> _probe;
    private readonly Queue<(DateTimeOffset At, IReadOnlyList<TopicPartitionOffset> Committed)> _seen = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public ConsumedLogPruning(EmbeddedKafka kafka, TimeSpan retention)
    {
        _kafka = kafka;
        _retention = retention;
        _probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
            {
                BootstrapServers = kafka.BootstrapServers,
                GroupId = CouponTopics.WorkerGroup,
                EnableAutoCommit = false,
            })
            // Its complaints while a test holds the brokers down are expected, not news.
            .SetLogHandler((_, _) => { })
            .Build();
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
                Prune();
        }
        catch (OperationCanceledException)
        {
            // Stopping with the cluster.
        }
    }

    private void Prune()
    {
        var now = DateTimeOffset.UtcNow;
        try
        {
            _seen.Enqueue((now, [.. _probe.Committed(IssuedPartitions, RequestTimeout).Where(committed => committed.Offset.Value > 0)]));
        }
        catch (KafkaException)
        {
            // Faults injected by a test, or the cluster going down: nothing is deleted this time.
        }

        IReadOnlyList<TopicPartitionOffset>? due = null;
        while (_seen.TryPeek(out var oldest) && now - oldest.At >= _retention)
            due = _seen.Dequeue().Committed;
        foreach (var committed in due ?? [])
            _kafka.DeleteRecordsBefore(committed.Topic, committed.Partition, committed.Offset.Value);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _probe.Dispose();
        _stopping.Dispose();
    }
}
