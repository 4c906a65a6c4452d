using System.Diagnostics;
using Confluent.Kafka;
using Coupon.Core.Messaging;
using Coupon.ServiceDefaults.Kafka;

namespace Coupon.Api.Issuing;

// An accepted issue on its way to Kafka: the event, and the trace of the request it answers.
public readonly record struct IssuedEventMessage(CouponIssuedEvent Event, ActivityContext Trace);

// Publishes a group of accepted issues together and waits for Kafka's acknowledgement of each
// (idempotent, acks=all, configured in Aspire:Confluent:Kafka:Producer); the answer says, per
// event, whether it may exist. The group's records go out in one burst and complete one task
// when the last delivery report is in: one thread-pool hop per group, where ProduceAsync took
// one per event. A producer that hit a fatal error is replaced by a new one
// (RenewingKafkaProducer): the api answers 503 for the messages in flight, not for the rest of
// its life.
public sealed partial class IssuedEventPublisher(RenewingKafkaProducer<Null, byte[]> producers, ILogger<IssuedEventPublisher> logger)
{
    private const int MaxTraceLinks = 64;

    public async Task<PersistenceStatus[]> PublishAsync(IReadOnlyList<IssuedEventMessage> messages)
    {
        using var activity = StartActivity(messages);
        var group = new DeliveryGroup(messages.Count);
        var producer = producers.Current;
        for (var i = 0; i < messages.Count; i++)
        {
            // No key: librdkafka's sticky partitioner fills one partition's batch for a few ms,
            // where keyed by user every event was a batch of its own in one of the 8 partitions
            // (the embedded broker's CPU per issue fell to a third, bench/README.md). A user has
            // at most one event per campaign, so no order is lost.
            var message = new Message<Null, byte[]>
            {
                Value = messages[i].Event.ToJson(),
                Headers = TraceHeaders.From(messages[i].Trace),
            };
            var index = i;
            try
            {
                // No request cancellation here: once produced, the outcome must be known to
                // decide between keeping and undoing the acceptance, even if the client went away.
                producer.Produce(CouponTopics.Issued, message, report => group.Report(index, report.Error, report.Status));
            }
            catch (KafkaException e)
            {
                // Refused before it left this process (local queue full, a fatal producer error).
                group.Report(index, e.Error, PersistenceStatus.NotPersisted);
            }
        }
        var statuses = await group.Completed;
        if (group.FirstError is { } error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.Reason);
            var failed = statuses.Count(s => s != PersistenceStatus.Persisted);
            LogFailed(failed, messages.Count, messages[Array.FindIndex(statuses, s => s != PersistenceStatus.Persisted)].Event.CampaignId, error.Reason);
        }
        return statuses;
    }

    private static Activity? StartActivity(IReadOnlyList<IssuedEventMessage> messages)
    {
        if (!IssueTelemetry.MessagingSource.HasListeners())
            return null;
        // A child of the group's first request, linked to the others: a request's trace shows its publish.
        var activity = IssueTelemetry.MessagingSource.StartActivity($"{CouponTopics.Issued} publish", ActivityKind.Producer,
            messages[0].Trace, links: messages.Skip(1).Take(MaxTraceLinks).Where(m => m.Trace != default).Select(m => new ActivityLink(m.Trace)));
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", CouponTopics.Issued);
        activity?.SetTag("messaging.batch.message_count", messages.Count);
        return activity;
    }

    // The delivery reports of one group, on librdkafka's delivery thread.
    private sealed class DeliveryGroup(int count)
    {
        private readonly PersistenceStatus[] _statuses = new PersistenceStatus[count];
        private readonly TaskCompletionSource<PersistenceStatus[]> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _left = count;

        public Task<PersistenceStatus[]> Completed => _completed.Task;

        public Error? FirstError { get; private set; }

        public void Report(int index, Error error, PersistenceStatus status)
        {
            if (error.IsError)
            {
                // A delivery that timed out may be in the log whatever librdkafka reports: against
                // a broker that appended the events and answered late, it reports NotPersisted for
                // them (seen with the embedded cluster: three timed-out events, all three in the
                // log). Only a refusal is sure; a timeout keeps the winner, and the reconciler
                // persists it.
                status = error.Code == ErrorCode.Local_MsgTimedOut ? PersistenceStatus.PossiblyPersisted : status;
                FirstError ??= error;
            }
            _statuses[index] = status;
            if (Interlocked.Decrement(ref _left) == 0)
                _completed.SetResult(_statuses);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Publishing {Failed} of {Count} issued events (campaign {CampaignId} and others) failed: {Reason}")]
    private partial void LogFailed(int failed, int count, long campaignId, string reason);
}
