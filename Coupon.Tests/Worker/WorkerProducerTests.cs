using System.Text;
using Confluent.Kafka;
using Coupon.Kafka;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;

namespace Coupon.Tests.Worker;

// The worker's Kafka producer (dead letters, re-published winners) after librdkafka declared it
// dead: the same process gets a new one and its sends go on.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class WorkerProducerTests(StackFixture stack) : IDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    private readonly WorkerScenario _scenario = new(stack);

    [Fact]
    public async Task A_fatal_producer_error_gets_the_same_worker_process_a_new_producer_and_dead_letters_flow_again()
    {
        // The only worker: every poison below is its to dead-letter, with its own producer.
        await (await stack.SharedProjectsAsync()).Worker.StopAsync();
        await using var worker = await stack.StartProjectAsync(CouponProject.Worker);
        var process = worker.ApplicationProcessId;
        var key = Guid.NewGuid().ToString("N");
        var poison = Enumerable.Range(1, 3).Select(i => $"not an event {key} {i}").ToArray();
        // Its producer now has a producer id and acknowledged sequences.
        await _scenario.ProduceRawAsync(key, poison[0]);
        Assert.Single(_scenario.ReadDeadLetters([poison[0]], DrainTimeout));

        // Frozen while the next poison is produced and the broker set to fail the next produce
        // request as out of order, which is then the worker's: its idempotent producer fails for good.
        using (FrozenProcess.Freeze(process))
        {
            await _scenario.ProduceRawAsync(key, poison[1]);
            stack.Kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.OutOfOrderSequenceNumber);
        }
        var log = await Poll.UntilAsync(() => worker.RecentOutputAsync(), LogsFatalError, TimeSpan.FromSeconds(20));
        Assert.True(LogsFatalError(log), "No fatal producer error was logged:" + Environment.NewLine + string.Join(Environment.NewLine, log));

        await _scenario.ProduceRawAsync(key, poison[2]);
        var deadLetters = _scenario.ReadDeadLetters(poison[1..], DrainTimeout);
        Assert.Equal(poison[1..], deadLetters.Select(m => Encoding.UTF8.GetString(m.Value)).Order());
        Assert.False(worker.HasExited);
        Assert.Equal(process, worker.ApplicationProcessId);
    }

    // KafkaClientExtensions logs librdkafka's errors callback, a fatal error at Error level ("fail").
    private static bool LogsFatalError(IReadOnlyList<string> lines) =>
        lines.Any(line => line.Contains($"Kafka error {ErrorCode.OutOfOrderSequenceNumber}", StringComparison.Ordinal));

    public void Dispose() => _scenario.Dispose();
}
