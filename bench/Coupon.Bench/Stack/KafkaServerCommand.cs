using System.Runtime.InteropServices;
using Coupon.AppHost.Servers;

namespace Coupon.Bench.Stack;

// `Coupon.Bench kafka-server`: the embedded Kafka (librdkafka's mock cluster, which lives inside
// whatever process creates it) in a process of its own, so that the broker's CPU is measured as
// the broker's and not as the load generator's. Prints its bootstrap servers, runs until SIGTERM.
public static class KafkaServerCommand
{
    public const string Command = "kafka-server";
    public const string BootstrapPrefix = "bootstrap=";

    public static async Task<int> RunAsync()
    {
        using var stop = new ManualResetEventSlim();
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Set();
        });
        await using var kafka = new EmbeddedKafka();
        await kafka.StartAsync();
        Console.WriteLine(BootstrapPrefix + kafka.BootstrapServers);
        stop.Wait();
        return 0;
    }
}
