using System.Diagnostics;
using Confluent.Kafka;
using Coupon.Core.Messaging;

namespace Coupon.Api.Issuing;

// Publishes an accepted issue and waits for Kafka's acknowledgement (idempotent, acks=all,
// configured in Aspire:Confluent:Kafka:Producer). The answer says whether the event may exist.
public sealed class IssuedEventPublisher(IProducer<string, byte[]> producer, ILogger<IssuedEventPublisher> logger)
{
    public async Task<PersistenceStatus> PublishAsync(CouponIssuedEvent issued)
    {
        using var activity = IssueTelemetry.MessagingSource.StartActivity($"{CouponTopics.Issued} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", CouponTopics.Issued);
        var message = new Message<string, byte[]>
        {
            Key = issued.Key,
            Value = issued.ToJson(),
            Headers = TraceHeaders.From(activity ?? Activity.Current),
        };
        try
        {
            // No request cancellation here: once produced, the outcome must be known to decide
            // between keeping and undoing the acceptance, even if the client went away.
            await producer.ProduceAsync(CouponTopics.Issued, message);
            return PersistenceStatus.Persisted;
        }
        catch (ProduceException<string, byte[]> e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            logger.LogWarning("Publishing the issue of coupon {CouponId} to user {UserId} failed ({Status}): {Reason}",
                issued.CouponId, issued.UserId, e.DeliveryResult.Status, e.Error.Reason);
            return e.DeliveryResult.Status;
        }
        catch (KafkaException e)
        {
            // Refused before it left this process (local queue full, producer fenced).
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            logger.LogWarning("Publishing the issue of coupon {CouponId} to user {UserId} was refused: {Reason}",
                issued.CouponId, issued.UserId, e.Error.Reason);
            return PersistenceStatus.NotPersisted;
        }
    }
}
