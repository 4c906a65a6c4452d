using System.Diagnostics;
using Confluent.Kafka;
using Coupon.Core.Messaging;

namespace Coupon.Api.Issuing;

// Publishes an accepted issue and waits for Kafka's acknowledgement (idempotent, acks=all,
// configured in Aspire:Confluent:Kafka:Producer). The answer says whether the event may exist.
// A producer that hit a fatal error refuses every message from then on, so it is replaced by a
// new one: the api answers 503 for the messages in flight, not for the rest of its life.
public sealed class IssuedEventPublisher(KafkaProducerFactory<Null, byte[]> producers, ILogger<IssuedEventPublisher> logger) : IDisposable
{
    // Longer than a message's delivery timeout (1.5 s, Extensions.AddApplicationServices), so every
    // message in flight has its outcome by then.
    private static readonly TimeSpan FlushBeforeDisposing = TimeSpan.FromSeconds(30);

    private readonly Lock _renewing = new();
    private IProducer<Null, byte[]>? _producer;

    private IProducer<Null, byte[]> Producer
    {
        get
        {
            if (Volatile.Read(ref _producer) is { } producer)
                return producer;
            lock (_renewing)
                return _producer ??= producers.Create(RenewIfFatal);
        }
    }

    public async Task<PersistenceStatus> PublishAsync(CouponIssuedEvent issued)
    {
        using var activity = IssueTelemetry.MessagingSource.StartActivity($"{CouponTopics.Issued} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", CouponTopics.Issued);
        // No key: librdkafka's sticky partitioner fills one partition's batch for a few ms, where
        // keyed by user every event was a batch of its own in one of the 8 partitions (the embedded
        // broker's CPU per issue fell to a third, bench/README.md). A user has at most one event per
        // campaign, so no order is lost, and the 8 partitions still share the load over time.
        var message = new Message<Null, byte[]>
        {
            Value = issued.ToJson(),
            Headers = TraceHeaders.From(activity ?? Activity.Current),
        };
        try
        {
            // No request cancellation here: once produced, the outcome must be known to decide
            // between keeping and undoing the acceptance, even if the client went away.
            await Producer.ProduceAsync(CouponTopics.Issued, message);
            return PersistenceStatus.Persisted;
        }
        catch (ProduceException<Null, byte[]> e)
        {
            // A delivery that timed out may be in the log whatever librdkafka reports: against a
            // broker that appended the events and answered late, it reports NotPersisted for
            // them (seen with the embedded cluster: three timed-out events, all three in the log).
            // Only a refusal is sure; a timeout keeps the winner, and the reconciler persists it.
            var status = e.Error.Code == ErrorCode.Local_MsgTimedOut ? PersistenceStatus.PossiblyPersisted : e.DeliveryResult.Status;
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            logger.LogWarning("Publishing the issue of coupon {CouponId} to user {UserId} failed ({Status}): {Reason}",
                issued.CouponId, issued.UserId, status, e.Error.Reason);
            return status;
        }
        catch (KafkaException e)
        {
            // Refused before it left this process (local queue full, a fatal producer error).
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            logger.LogWarning("Publishing the issue of coupon {CouponId} to user {UserId} was refused: {Reason}",
                issued.CouponId, issued.UserId, e.Error.Reason);
            return PersistenceStatus.NotPersisted;
        }
    }

    // librdkafka reports a fatal error through the errors callback, on the failed producer's thread.
    private void RenewIfFatal(IProducer<Null, byte[]> failed, Error error)
    {
        if (!error.IsFatal)
            return;
        lock (_renewing)
        {
            // Reported once per producer, but a stale report must not replace a good producer.
            if (_producer != failed)
                return;
            _producer = producers.Create(RenewIfFatal);
        }
        logger.LogError("The Kafka producer hit a fatal error ({Reason}); a new producer replaces it", error.Reason);
        // Not on the failed producer's own thread, which disposing waits for. librdkafka reports
        // the fatal error before the outcome of the messages in flight, and a disposed producer
        // reports nothing more: flushing first delivers those outcomes, so no request waits forever.
        _ = Task.Run(() =>
        {
            failed.Flush(FlushBeforeDisposing);
            failed.Dispose();
        });
    }

    // The container disposes this singleton at shutdown; the producer flushes and closes with it.
    public void Dispose() => Volatile.Read(ref _producer)?.Dispose();
}
