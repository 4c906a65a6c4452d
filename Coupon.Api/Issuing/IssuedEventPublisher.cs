using System.Diagnostics;
using Confluent.Kafka;
using Coupon.Core.Messaging;

namespace Coupon.Api.Issuing;

// Publishes an accepted issue and waits for Kafka's acknowledgement (idempotent, acks=all,
// configured in Aspire:Confluent:Kafka:Producer). The answer says whether the event may exist.
// A producer that hit a fatal error is replaced by a new one (RenewingKafkaProducer): the api
// answers 503 for the messages in flight, not for the rest of its life.
public sealed class IssuedEventPublisher(RenewingKafkaProducer<Null, byte[]> producers, ILogger<IssuedEventPublisher> logger)
{
    private IProducer<Null, byte[]> Producer => producers.Current;

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
            logger.LogWarning("Publishing the issue of coupon {CampaignId} to user {UserId} failed ({Status}): {Reason}",
                issued.CampaignId, issued.UserId, status, e.Error.Reason);
            return status;
        }
        catch (KafkaException e)
        {
            // Refused before it left this process (local queue full, a fatal producer error).
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            logger.LogWarning("Publishing the issue of coupon {CampaignId} to user {UserId} was refused: {Reason}",
                issued.CampaignId, issued.UserId, e.Error.Reason);
            return PersistenceStatus.NotPersisted;
        }
    }
}
