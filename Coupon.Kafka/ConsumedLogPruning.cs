using Confluent.Kafka;
using Confluent.Kafka.Admin;
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

    private static readonly List<TopicPartition> IssuedPartitions = [.. Enumerable.Range(0, EmbeddedKafka.IssuedTopicPartitions)
        .Select(partition => new TopicPartition(EmbeddedKafka.IssuedTopic, partition))];

    private readonly EmbeddedKafka _kafka;
    private readonly TimeSpan _retention;
    private readonly IAdminClient _admin;
    private readonly Queue<(DateTimeOffset At, IReadOnlyList<TopicPartitionOffset> Committed)> _seen = new();
    private readonly CancellationTokenSource _stopping = new();
    // Held while a round's request is in flight: librdkafka's admin client aborts its whole process
    // on an assertion (rd_kafka_enq_once_del_source_return) when a broker goes down under a
    // coordinator request, so brokers go down only between rounds, and rounds pause meanwhile.
    private readonly SemaphoreSlim _round = new(1, 1);
    private bool _paused;
    private readonly Task _loop;

    public ConsumedLogPruning(EmbeddedKafka kafka, TimeSpan retention)
    {
        _kafka = kafka;
        _retention = retention;
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers })
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
            {
                await _round.WaitAsync(stopping);
                try
                {
                    if (!_paused)
                        await PruneAsync();
                }
                finally
                {
                    _round.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping with the cluster.
        }
    }

    private async Task PruneAsync()
    {
        var now = DateTimeOffset.UtcNow;
        try
        {
            var groups = await _admin.ListConsumerGroupOffsetsAsync(
                [new ConsumerGroupTopicPartitions(CouponTopics.WorkerGroup, IssuedPartitions)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
            _seen.Enqueue((now, [.. groups.SelectMany(group => group.Partitions)
                .Where(committed => committed.Error.Code == ErrorCode.NoError && committed.Offset.Value > 0)
                .Select(committed => committed.TopicPartitionOffset)]));
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

    // Runs the change to the brokers between two rounds; `paused` says whether rounds go on after it.
    public void BetweenRounds(Action change, bool paused)
    {
        _round.Wait();
        try
        {
            change();
            _paused = paused;
        }
        finally
        {
            _round.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _admin.Dispose();
        _stopping.Dispose();
        _round.Dispose();
    }
}
