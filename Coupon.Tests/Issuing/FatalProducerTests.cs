using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Coupon.Api.Issuing;
using Coupon.Core.Messaging;
using Coupon.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coupon.Tests.Issuing;

// A producer that hits a fatal error refuses every message from then on. The api's publisher
// replaces it, so only the messages in flight fail. The fatal error is raised by librdkafka's
// own testing entry point (rd_kafka_test_fatal_error) on a producer of a cluster of the test's own.
public sealed class FatalProducerTests
{
    [Fact]
    public async Task A_fatal_producer_error_is_followed_by_a_new_producer_that_publishes_again()
    {
        await using var kafka = await EmbeddedKafka.StartNewAsync();
        var created = new List<IProducer<string, byte[]>>();
        var producers = new KafkaProducerFactory<string, byte[]>(errors =>
        {
            var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
            {
                BootstrapServers = kafka.BootstrapServers,
                EnableIdempotence = true,
                Acks = Acks.All,
                MessageTimeoutMs = 5000,
            }).SetErrorHandler((failed, error) => errors?.Invoke(failed, error)).Build();
            lock (created)
                created.Add(producer);
            return producer;
        });
        using var publisher = new IssuedEventPublisher(producers, NullLogger<IssuedEventPublisher>.Instance);
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(PersistenceStatus.Persisted, await publisher.PublishAsync(new CouponIssuedEvent(1, 1, now)));

        LibrdkafkaTesting.RaiseFatalError(created[0]);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Count(created) < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(2, Count(created));
        Assert.Equal(PersistenceStatus.Persisted, await publisher.PublishAsync(new CouponIssuedEvent(1, 2, now)));
    }

    private static int Count(List<IProducer<string, byte[]>> created)
    {
        lock (created)
            return created.Count;
    }

    private static class LibrdkafkaTesting
    {
        private delegate int TestFatalError(IntPtr kafka, int error, [MarshalAs(UnmanagedType.LPUTF8Str)] string reason);

        private const int OutOfOrderSequenceNumber = 45;

        // The native handle is internal to Confluent.Kafka; the library is the file it loaded (the
        // package's own build, or its centos8 one where libsasl2.so.3 is missing).
        public static void RaiseFatalError(IClient client)
        {
            var native = (SafeHandle)typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic)!
                .GetValue(client.Handle)!;
            var folder = Path.Combine(AppContext.BaseDirectory, "runtimes",
                RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64", "native");
            var library = ((string[])["librdkafka.so", "centos8-librdkafka.so"])
                .Select(file => NativeLibrary.TryLoad(Path.Combine(folder, file), out var loaded) ? loaded : IntPtr.Zero)
                .First(loaded => loaded != IntPtr.Zero);
            var raise = Marshal.GetDelegateForFunctionPointer<TestFatalError>(NativeLibrary.GetExport(library, "rd_kafka_test_fatal_error"));
            Assert.Equal(0, raise(native.DangerousGetHandle(), OutOfOrderSequenceNumber, "raised by the test"));
        }
    }
}
