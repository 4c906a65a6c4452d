using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Coupon.AppHost.Servers;

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
public sealed class EmbeddedKafka : IDisposable
{
    public const string IssuedTopic = "coupon-issued";
    public const string DeadLetterTopic = "coupon-issued.dlq";
    public const int IssuedTopicPartitions = 8;

    private readonly IntPtr _handle;
    private IntPtr _cluster;

    private EmbeddedKafka(IntPtr handle, IntPtr cluster, int brokerCount)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerIds = [.. Enumerable.Range(1, brokerCount)];
        BootstrapServers = Marshal.PtrToStringUTF8(MockClusterNative.Bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    // host:port[,host:port…], every broker on 127.0.0.1.
    public string BootstrapServers { get; }

    public IReadOnlyList<int> BrokerIds { get; }

    // Starts a cluster with Coupon's topics.
    public static EmbeddedKafka Start(int brokerCount = 1)
    {
        var handle = MockClusterNative.NewHandle();
        var cluster = MockClusterNative.NewCluster(handle, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            MockClusterNative.DestroyHandle(handle);
            throw new InvalidOperationException("librdkafka could not create the mock cluster.");
        }
        var kafka = new EmbeddedKafka(handle, cluster, brokerCount);
        kafka.CreateTopic(IssuedTopic, IssuedTopicPartitions);
        kafka.CreateTopic(DeadLetterTopic, 1);
        return kafka;
    }

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
    public void SetBrokerDown(int brokerId) => Check(MockClusterNative.SetBrokerDown(_cluster, brokerId));

    public void SetBrokerUp(int brokerId) => Check(MockClusterNative.SetBrokerUp(_cluster, brokerId));

    public void SetBrokerRtt(int brokerId, TimeSpan roundTrip) =>
        Check(MockClusterNative.SetBrokerRtt(_cluster, brokerId, (int)roundTrip.TotalMilliseconds));

    public void SetAllBrokersDown() => BrokerIds.ToList().ForEach(SetBrokerDown);

    public void SetAllBrokersUp() => BrokerIds.ToList().ForEach(SetBrokerUp);

    public void Dispose()
    {
        if (_cluster == IntPtr.Zero)
        {
            return;
        }
        MockClusterNative.DestroyCluster(_cluster);
        MockClusterNative.DestroyHandle(_handle);
        _cluster = IntPtr.Zero;
    }

    private static void Check(int error)
    {
        if ((ErrorCode)error != ErrorCode.NoError)
        {
            throw new KafkaException((ErrorCode)error);
        }
    }
}
