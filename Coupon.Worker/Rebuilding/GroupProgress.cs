using Confluent.Kafka;
using Coupon.Core.Messaging;

namespace Coupon.Worker.Rebuilding;

// How far the whole consumer group has persisted `coupon-issued`. Reads through a consumer of
// the same group that never subscribes, so it never joins the group nor takes partitions.
public sealed class GroupProgress(IConsumer<Ignore, Ignore> probe)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    // The end of every partition now: whatever was accepted before this moment is below it.
    public IReadOnlyList<TopicPartitionOffset> HighWatermarks()
    {
        using var admin = new DependentAdminClientBuilder(probe.Handle).Build();
        var topic = admin.GetMetadata(CouponTopics.Issued, RequestTimeout).Topics.Single();
        return [.. topic.Partitions.Select(p =>
        {
            var partition = new TopicPartition(CouponTopics.Issued, p.PartitionId);
            return new TopicPartitionOffset(partition, probe.QueryWatermarkOffsets(partition, RequestTimeout).High);
        })];
    }

    // Returns once the group's committed offsets reach the targets on every partition, that is,
    // once every event below them is in MySQL.
    public async Task WaitUntilCommittedAsync(IReadOnlyList<TopicPartitionOffset> targets, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!Reached(targets))
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"The consumer group did not reach the high watermarks within {timeout}.");
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private bool Reached(IReadOnlyList<TopicPartitionOffset> targets)
    {
        var committed = probe.Committed(targets.Select(t => t.TopicPartition), RequestTimeout)
            .ToDictionary(c => c.TopicPartition, c => c.Offset);
        // A partition the group never committed on counts as offset 0.
        return targets.All(t => Math.Max(0, committed[t.TopicPartition].Value) >= t.Offset.Value);
    }
}
