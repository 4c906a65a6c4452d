using System.Runtime.InteropServices;
using Confluent.Kafka;
using Coupon.Core.Messaging;

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
//
// With several brokers every broker holds a replica of every partition (replication factor =
// brokers, at most 3). The mock keeps one log per partition, whoever leads it, so every replica is
// always in sync; what it lacks is a controller: it moves no leadership when a broker goes down.
// FailBroker does what Kafka's controller would, and leaders are tracked here for that.
public sealed class EmbeddedKafka(int brokerCount = 1) : IAsyncDisposable
{
    public const string IssuedTopic = "coupon-issued";
    public const string DeadLetterTopic = "coupon-issued.dlq";
    public const int IssuedTopicPartitions = 8;
    public const int MaxBrokers = 3;

    private IntPtr _cluster;
    private ConsumedLogPruning? _pruning;
    private readonly Lock _brokers = new();
    private readonly Dictionary<TopicPartition, int> _leaders = [];
    private readonly HashSet<int> _down = [];
    private int _workerGroupCoordinator;

    // How long after the worker's group committed them events are deleted (see ConsumedLogPruning);
    // null keeps everything, up to the mock's own 5 MB per partition.
    public TimeSpan? PruneConsumedAfter { get; init; } = TimeSpan.FromSeconds(2);

    // host:port[,host:port…], every broker on 127.0.0.1; set by StartAsync.
    public string BootstrapServers { get; private set; } = "";

    public IReadOnlyList<int> BrokerIds { get; } = brokerCount is >= 1 and <= MaxBrokers
        ? [.. Enumerable.Range(1, brokerCount)]
        : throw new ArgumentOutOfRangeException(nameof(brokerCount), brokerCount, $"The embedded Kafka runs 1 to {MaxBrokers} brokers.");

    // A started cluster of its own, for a test that breaks it or must not share its consumer groups.
    public static async Task<EmbeddedKafka> StartNewAsync(int brokerCount = 1)
    {
        var kafka = new EmbeddedKafka(brokerCount);
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
        ChangeBrokers(() => MoveWorkerGroupCoordinator(PreferredCoordinator));
        _pruning = PruneConsumedAfter is { } retention ? new ConsumedLogPruning(this, retention) : null;
        return Task.CompletedTask;
    }

    // Like Kafka's DeleteRecords: the partition then starts at the offset. An offset out of the
    // partition's range (deleted already, or not written yet) changes nothing.
    public void DeleteRecordsBefore(string topic, int partition, long offset) =>
        _ = MockClusterNative.DeleteRecords(_cluster, topic, partition, offset);

    // Leaders spread over the brokers (the mock would draw them at random).
    public void CreateTopic(string topic, int partitions)
    {
        var error = (ErrorCode)MockClusterNative.CreateTopic(_cluster, topic, partitions, BrokerIds.Count);
        if (error != ErrorCode.NoError)
        {
            throw new KafkaException(error);
        }
        ChangeBrokers(() =>
        {
            for (var partition = 0; partition < partitions; partition++)
                MoveLeader(new TopicPartition(topic, partition), PreferredLeader(partition));
        });
    }

    public bool IsUp(int brokerId)
    {
        lock (_brokers)
            return !_down.Contains(brokerId);
    }

    public int LeaderOf(string topic, int partition)
    {
        lock (_brokers)
            return _leaders[new TopicPartition(topic, partition)];
    }

    // The next requests of that kind are answered with these errors, one per request, in order.
    public void PushRequestErrors(KafkaApi api, params ErrorCode[] errors) =>
        MockClusterNative.PushRequestErrors(_cluster, (short)api, (nuint)errors.Length, [.. errors.Select(e => (int)e)]);

    public void ClearRequestErrors(KafkaApi api) => MockClusterNative.ClearRequestErrors(_cluster, (short)api);

    // Every request about the topic fails with the error until it is set back to NoError.
    public void SetTopicError(string topic, ErrorCode error) => MockClusterNative.SetTopicError(_cluster, topic, (int)error);

    // A down broker closes its connections and refuses new ones. It keeps its leaderships, as a
    // broker cut off before the controller noticed: its partitions are offline until it is up.
    public void SetBrokerDown(int brokerId) => ChangeBrokers(() =>
    {
        Check(MockClusterNative.SetBrokerDown(_cluster, brokerId));
        _down.Add(brokerId);
    });

    // A broker crash as a Kafka cluster lives it: the broker goes down, and the partitions it led
    // and the worker group it coordinated move to a broker still up, as the controller elects a
    // new leader from the in-sync replicas. With none up, they stay: offline until it is back.
    public void FailBroker(int brokerId) => ChangeBrokers(() =>
    {
        Check(MockClusterNative.SetBrokerDown(_cluster, brokerId));
        _down.Add(brokerId);
        if (BrokerIds.Where(id => !_down.Contains(id)).ToList() is not [_, ..] up)
            return;
        var led = _leaders.Where(leader => leader.Value == brokerId).Select(leader => leader.Key).ToList();
        for (var i = 0; i < led.Count; i++)
            MoveLeader(led[i], up[i % up.Count]);
        if (_workerGroupCoordinator == brokerId)
            MoveWorkerGroupCoordinator(up[0]);
    });

    // Up again, and back to leading what it led first, as Kafka's preferred-replica election
    // does (within minutes there, at once here).
    public void SetBrokerUp(int brokerId) => ChangeBrokers(() =>
    {
        Check(MockClusterNative.SetBrokerUp(_cluster, brokerId));
        _down.Remove(brokerId);
        foreach (var partition in _leaders.Keys.Where(partition => PreferredLeader(partition.Partition) == brokerId && _leaders[partition] != brokerId).ToList())
            MoveLeader(partition, brokerId);
        if (PreferredCoordinator == brokerId)
            MoveWorkerGroupCoordinator(brokerId);
    });

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

    private void ChangeBrokers(Action change)
    {
        lock (_brokers)
            change();
    }

    private int PreferredLeader(int partition) => BrokerIds[partition % BrokerIds.Count];

    // The last broker, apart from the first partitions' leaders, so that failing the brokers in
    // turn moves the coordinator and leaders separately as well as together.
    private int PreferredCoordinator => BrokerIds[^1];

    private void MoveLeader(TopicPartition partition, int brokerId)
    {
        Check(MockClusterNative.SetPartitionLeader(_cluster, partition.Topic, partition.Partition, brokerId));
        _leaders[partition] = brokerId;
    }

    private void MoveWorkerGroupCoordinator(int brokerId)
    {
        Check(MockClusterNative.SetCoordinator(_cluster, "group", CouponTopics.WorkerGroup, brokerId));
        _workerGroupCoordinator = brokerId;
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
