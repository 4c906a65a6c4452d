using System.Runtime.InteropServices;

namespace Coupon.Kafka;

// librdkafka's mock cluster API (rdkafka_mock.h), from the native library in Confluent.Kafka's
// package (librdkafka.redist).
internal static partial class MockClusterNative
{
    private const string Library = "librdkafka";
    private const int ProducerType = 0;

    static MockClusterNative() => NativeLibrary.SetDllImportResolver(typeof(MockClusterNative).Assembly, Resolve);

    public static IntPtr NewHandle()
    {
        var conf = rd_kafka_conf_new();
        var error = new byte[512];
        // The handle only carries the cluster; its own "no bootstrap.servers" notice is noise.
        _ = rd_kafka_conf_set(conf, "log_level", "3", error, (nuint)error.Length);
        var handle = rd_kafka_new(ProducerType, conf, error, (nuint)error.Length);
        return handle != IntPtr.Zero
            ? handle
            : throw new InvalidOperationException($"rd_kafka_new failed: {System.Text.Encoding.UTF8.GetString(error).TrimEnd('\0')}");
    }

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_destroy")]
    public static partial void DestroyHandle(IntPtr handle);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial IntPtr NewCluster(IntPtr handle, int brokerCount);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial IntPtr Bootstraps(IntPtr cluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CreateTopic(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_set_error", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SetTopicError(IntPtr cluster, string topic, int error);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    public static partial void PushRequestErrors(IntPtr cluster, short apiKey, nuint count, int[] errors);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    public static partial void ClearRequestErrors(IntPtr cluster, short apiKey);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_partition_delete_records", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DeleteRecords(IntPtr cluster, string topic, int partition, long beforeOffset);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetPartitionLeader(IntPtr cluster, string topic, int partition, int brokerId);

    // keyType "group" or "transaction".
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_coordinator_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetCoordinator(IntPtr cluster, string keyType, string key, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int SetBrokerDown(IntPtr cluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int SetBrokerUp(IntPtr cluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    public static partial int SetBrokerRtt(IntPtr cluster, int brokerId, int rttMs);

    // Debian 12 lacks libsasl2.so.3, which the default build needs; the CentOS 8 build in the same
    // package loads. Confluent.Kafka falls back the same way for its own calls.
    private static IntPtr Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var folder = Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native");
        foreach (var file in (string[])["librdkafka.so", "centos8-librdkafka.so"])
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, file), out var handle))
            {
                return handle;
            }
        }
        throw new DllNotFoundException($"Neither librdkafka.so nor centos8-librdkafka.so in {folder} could be loaded.");
    }
}
