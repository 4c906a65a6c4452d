using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Coupon.Kafka;

// Kafka API keys the fault injection targets (the protocol's numbers).
public enum KafkaApi : short
{
    Produce = 0,
    Fetch = 1,
    Metadata = 3,
    OffsetCommit = 8,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    SyncGroup = 14,
    InitProducerId = 22,
}

// The embedded Kafka: librdkafka's mock cluster hosted in this process. It speaks the Kafka
// protocol on 127.0.0.1, so producers and consumer groups in other processes use it like a broker.
// It keeps everything in memory: disposing it loses undelivered events.
public sealed class EmbeddedKafka(int brokerCount = 1) : IAsyncDisposable
{
    public const string IssuedTopic = "coupon-issued";
    public const string DeadLetterTopic = "coupon-issued.dlq";
    public const int IssuedTopicPartitions = 8;

    private IntPtr _cluster;
    private ConsumedLogPruning? _pruning;

    // How long after the worker's group committed them events are deleted (see ConsumedLogPruning);
    // null keeps everything, up to the mock's own 5 MB per partition.
    public TimeSpan? PruneConsumedAfter { get; init; } = TimeSpan.FromSeconds(2);

    // host:port[,host:port…], every broker on 127.0.0.1; set by StartAsync.
    public string BootstrapServers { get; private set; } = "";

    public IReadOnlyList<int> BrokerIds { get; } = [.. Enumerable.Range(1, brokerCount)];

    // A started cluster of its own, for a test that breaks it or must not share its consumer groups.
    public static async Task<EmbeddedKafka> StartNewAsync()
    {
        var kafka = new EmbeddedKafka();
        await kafka.StartAsync();
        return kafka;
    }

    // Starts the cluster with Coupon's topics.
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        var handle = MockClusterNative.NewHandle();
        _cluster = MockClusterNative.NewCluster(handle, brokerCount);
        if (_cluster == IntPtr.Zero)
        {
            MockClusterNative.DestroyHandle(handle);
            throw new InvalidOperationException("librdkafka could not create the mock cluster.");
        }
        BootstrapServers = Marshal.PtrToStringUTF8(MockClusterNative.Bootstraps(_cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
        CreateTopic(IssuedTopic, IssuedTopicPartitions);
        CreateTopic(DeadLetterTopic, 1);
        _pruning = PruneConsumedAfter is { } retention ? new ConsumedLogPruning(this, retention) : null;
        return Task.CompletedTask;
    }

    // Like Kafka's DeleteRecords: the partition then starts at the offset. An offset out of the
    // partition's range (deleted already, or not written yet) changes nothing.
    public void DeleteRecordsBefore(string topic, int partition, long offset) =>
        _ = MockClusterNative.DeleteRecords(_cluster, topic, partition, offset);

    public void CreateTopic(string topic, int partitions)
    {
        var error = (ErrorCode)MockClusterNative.CreateTopic(_cluster, topic, partitions, Math.Min(3, BrokerIds.Count));
        if (error != ErrorCode.NoError)
        {
            throw new KafkaException(error);
        }
    }

    // The next requests of that kind are answered with these errors, one per request, in order.
    public void PushRequestErrors(KafkaApi api, params ErrorCode[] errors) =>
        MockClusterNative.PushRequestErrors(_cluster, (short)api, (nuint)errors.Length, [.. errors.Select(e => (int)e)]);

    public void ClearRequestErrors(KafkaApi api) => MockClusterNative.ClearRequestErrors(_cluster, (short)api);

    // Every request about the topic fails with the error until it is set back to NoError.
    public void SetTopicError(string topic, ErrorCode error) => MockClusterNative.SetTopicError(_cluster, topic, (int)error);

    // A down broker closes its connections and refuses new ones.
    public void SetBrokerDown(int brokerId) => BetweenPruningRounds(() => Check(MockClusterNative.SetBrokerDown(_cluster, brokerId)), paused: true);

    public void SetBrokerUp(int brokerId) => BetweenPruningRounds(() => Check(MockClusterNative.SetBrokerUp(_cluster, brokerId)), paused: false);

    public void SetBrokerRtt(int brokerId, TimeSpan roundTrip) =>
        Check(MockClusterNative.SetBrokerRtt(_cluster, brokerId, (int)roundTrip.TotalMilliseconds));

    public void SetAllBrokersDown() => BrokerIds.ToList().ForEach(SetBrokerDown);

    public void SetAllBrokersUp() => BrokerIds.ToList().ForEach(SetBrokerUp);

    // Every broker up and prompt, no request errors queued.
    public void ClearFaults()
    {
        SetAllBrokersUp();
        BrokerIds.ToList().ForEach(id => SetBrokerRtt(id, TimeSpan.Zero));
        foreach (var api in Enum.GetValues<KafkaApi>())
            ClearRequestErrors(api);
    }

    private void BetweenPruningRounds(Action change, bool paused)
    {
        if (_pruning is null)
            change();
        else
            _pruning.BetweenRounds(change, paused);
    }

    // Undelivered events are gone with it. The brokers go down (connections closed, new ones
    // refused) but the cluster is not destroyed: librdkafka's mock aborts its whole process on an
    // assertion (rd_kafka_enq_once_del_source_return) when destroyed while clients still hold
    // requests, and its memory goes with the process anyway.
    public async Task StopAsync()
    {
        if (_pruning is not null)
        {
            await _pruning.DisposeAsync();
            _pruning = null;
        }
        if (_cluster != IntPtr.Zero)
        {
            foreach (var broker in BrokerIds)
                _ = MockClusterNative.SetBrokerDown(_cluster, broker);
            _cluster = IntPtr.Zero;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static void Check(int error)
    {
        if ((ErrorCode)error != ErrorCode.NoError)
        {
            throw new KafkaException((ErrorCode)error);
        }
    }
}
