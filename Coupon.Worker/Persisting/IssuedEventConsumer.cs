using System.Diagnostics;
using Confluent.Kafka;
using Coupon.Core.Messaging;
using Microsoft.Extensions.Options;

namespace Coupon.Worker.Persisting;

// The consumer group on `coupon-issued`: batches of events, one MySQL transaction per batch, and
// the batch's offsets committed only after that transaction. A batch that fails is retried with
// backoff, never skipped; a crash before the offset commit replays the batch, which the
// idempotent insert absorbs.
public sealed partial class IssuedEventConsumer(
    IConsumer<byte[], byte[]> consumer,
    IssueBatchWriter writer,
    DeadLetters deadLetters,
    MigrationGate migrations,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    ILogger<IssuedEventConsumer> logger) : BackgroundService
{
    private static readonly ActivitySource ActivitySource = new(CouponTelemetry.Persisting);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(250);
    private const int MaxTraceLinks = 64;

    private readonly WorkerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migrations.WaitAsync(stoppingToken);
        // Consume blocks its thread, even while the topic is idle: the loop gets a thread of its
        // own rather than holding one of the few thread-pool threads the other loops need.
        await Task.Factory.StartNew(() => Consume(stoppingToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Consume(CancellationToken stoppingToken)
    {
        consumer.Subscribe(CouponTopics.Issued);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                List<ConsumeResult<byte[], byte[]>> batch = [];
                try
                {
                    batch = Collect();
                    // A stop request lets the batch in hand finish: it is persisted and committed.
                    // Waiting on this dedicated thread keeps one batch in flight at a time.
                    if (batch.Count > 0)
                        HandleAsync(batch, stoppingToken).GetAwaiter().GetResult();
                    metrics.ConsumerLagMeasured(Lag());
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Whatever escaped the batch's own retries must not end the host; the batch
                    // is read again rather than skipped.
                    LogLoopFailed(ex);
                    Rewind(batch);
                    stoppingToken.WaitHandle.WaitOne(_options.RetryDelay);
                }
            }
        }
        finally
        {
            var closing = Stopwatch.GetTimestamp();
            consumer.Close();
            LogLeftGroup(Stopwatch.GetElapsedTime(closing));
        }
    }

    private List<ConsumeResult<byte[], byte[]>> Collect()
    {
        var batch = new List<ConsumeResult<byte[], byte[]>>();
        try
        {
            var first = consumer.Consume(PollTimeout);
            if (first is null)
                return batch;
            batch.Add(first);
            var started = Stopwatch.GetTimestamp();
            while (batch.Count < _options.BatchSize)
            {
                var left = _options.BatchWindow - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero || consumer.Consume(left) is not { } next)
                    break;
                batch.Add(next);
            }
        }
        catch (ConsumeException ex)
        {
            // The events already in hand are still handled; the failed fetch is retried by librdkafka.
            LogConsumeFailed(ex, ex.Error.Reason);
        }
        return batch;
    }

    private async Task HandleAsync(List<ConsumeResult<byte[], byte[]>> batch, CancellationToken stoppingToken)
    {
        var parsed = new List<(ConsumeResult<byte[], byte[]> Result, CouponIssuedEvent Event)>(batch.Count);
        var poison = new List<ConsumeResult<byte[], byte[]>>();
        foreach (var message in batch)
        {
            if (CouponIssuedEvent.TryParse(message.Message.Value, out var issued))
                parsed.Add((message, issued));
            else
                poison.Add(message);
        }

        using var activity = StartActivity(batch);
        var started = Stopwatch.GetTimestamp();
        BatchResult? written = null;
        if (!await RetryAsync(async () => written = await writer.WriteAsync([.. parsed.Select(p => p.Event)], CancellationToken.None), stoppingToken))
            return;
        var result = written!;
        metrics.BatchPersisted(result, Stopwatch.GetElapsedTime(started));
        activity?.SetTag("coupon.rows_inserted", result.Inserted);
        foreach (var refused in result.Excess)
            LogExcess(refused.CampaignId, refused.UserId);

        var unknown = result.UnknownCampaign.Select(e => e.CampaignId).ToHashSet();
        var excess = result.Excess.Select(e => (e.CampaignId, e.UserId)).ToHashSet();
        var noDraw = result.NoDrawPending.Select(e => (e.CampaignId, e.UserId)).ToHashSet();
        var deadLettered = poison.Select(r => (Result: r, Reason: DeadLetters.MalformedEvent))
            .Concat(parsed.Where(p => unknown.Contains(p.Event.CampaignId)).Select(p => (p.Result, Reason: DeadLetters.UnknownCampaign)))
            .Concat(parsed.Where(p => !p.Event.Entered && excess.Contains((p.Event.CampaignId, p.Event.UserId))).Select(p => (p.Result, Reason: DeadLetters.OverQuantity)))
            .Concat(parsed.Where(p => p.Event.Entered && noDraw.Contains((p.Event.CampaignId, p.Event.UserId))).Select(p => (p.Result, Reason: DeadLetters.NoDrawPending)))
            .ToList();
        if (deadLettered.Count > 0 && !await RetryAsync(() => SendDeadLettersAsync(deadLettered), stoppingToken))
            return;

        Commit(batch);
    }

    private async Task SendDeadLettersAsync(List<(ConsumeResult<byte[], byte[]> Result, string Reason)> events)
    {
        foreach (var (result, reason) in events)
            await deadLetters.SendAsync(result, reason);
    }

    // Whatever failed (MySQL down, a deadlock, the dead-letter topic unreachable), the batch is
    // neither committed nor skipped: it is tried again until it succeeds or the worker stops,
    // in which case its offsets stay uncommitted and the group replays it.
    private async Task<bool> RetryAsync(Func<Task> attempt, CancellationToken stoppingToken)
    {
        var delay = _options.RetryDelay;
        while (true)
        {
            try
            {
                await attempt();
                return true;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRetrying(ex, delay);
            }
            catch (Exception ex)
            {
                LogAbandoned(ex);
                return false;
            }
            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
        }
    }

    private void Commit(List<ConsumeResult<byte[], byte[]>> batch)
    {
        var offsets = batch
            .GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1))
            .ToList();
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException ex)
        {
            // Partitions reassigned meanwhile: their new owner replays the batch, harmlessly.
            LogCommitFailed(ex, ex.Error.Reason);
        }
    }

    // Back to the first offset of the batch on each of its partitions.
    private void Rewind(List<ConsumeResult<byte[], byte[]>> batch)
    {
        foreach (var first in batch.GroupBy(r => r.TopicPartition).Select(g => g.MinBy(r => r.Offset.Value)!))
        {
            try
            {
                consumer.Seek(first.TopicPartitionOffset);
            }
            catch (KafkaException ex)
            {
                // Revoked meanwhile: its new owner reads it from the committed offset.
                LogRewindFailed(ex, first.TopicPartition.ToString());
            }
        }
    }

    // From the watermarks of the last fetches: no request to the brokers.
    private long Lag()
    {
        try
        {
            return consumer.Assignment.Sum(partition =>
            {
                var high = consumer.GetWatermarkOffsets(partition).High;
                var position = consumer.Position(partition);
                return high == Offset.Unset || position == Offset.Unset ? 0 : Math.Max(0, high.Value - position.Value);
            });
        }
        catch (KafkaException)
        {
            // A partition revoked while measuring: the next loop measures again.
            return metrics.ConsumerLag;
        }
    }

    // One span per batch, child of the first event's producer span so that a request's trace
    // reaches the insert, and linked to the other events' spans.
    private static Activity? StartActivity(List<ConsumeResult<byte[], byte[]>> batch)
    {
        if (!ActivitySource.HasListeners())
            return null;
        var contexts = batch.Select(r => TraceHeaders.Extract(r.Message.Headers)).Where(c => c != default).ToList();
        var activity = ActivitySource.StartActivity($"{CouponTopics.Issued} process", ActivityKind.Consumer,
            contexts.FirstOrDefault(), links: contexts.Skip(1).Take(MaxTraceLinks).Select(c => new ActivityLink(c)));
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", CouponTopics.Issued);
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        return activity;
    }

    [LoggerMessage(LogLevel.Information, "Left the consumer group in {Elapsed}")]
    private partial void LogLeftGroup(TimeSpan elapsed);

    [LoggerMessage(LogLevel.Warning, "Consuming failed: {Reason}")]
    private partial void LogConsumeFailed(Exception exception, string reason);

    [LoggerMessage(LogLevel.Error, "Consuming failed unexpectedly; the batch in hand is read again")]
    private partial void LogLoopFailed(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Could not rewind {Partition}")]
    private partial void LogRewindFailed(Exception exception, string partition);

    [LoggerMessage(LogLevel.Warning, "Persisting a batch failed; retrying in {Delay} without committing its offsets")]
    private partial void LogRetrying(Exception exception, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Stopping with a batch not persisted; its offsets stay uncommitted and it will be replayed")]
    private partial void LogAbandoned(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Committing offsets failed ({Reason}); the batch may be replayed")]
    private partial void LogCommitFailed(Exception exception, string reason);

    [LoggerMessage(LogLevel.Error, "Refused to persist user {UserId} for campaign {CampaignId}: its quantity is already reached")]
    private partial void LogExcess(long campaignId, long userId);
}
