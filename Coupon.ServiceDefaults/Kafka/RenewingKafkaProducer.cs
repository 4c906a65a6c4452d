using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Coupon.ServiceDefaults.Kafka;

// Ours, no counterpart in Aspire.Confluent.Kafka. The producer a client sends through, replaced by a new one after a fatal error (an idempotent
// producer that can no longer vouch for order or once-ness refuses every message from then on):
// the messages in flight fail, not the rest of the process's life.
public sealed class RenewingKafkaProducer<TKey, TValue>(
    KafkaProducerFactory<TKey, TValue> producers, TimeSpan flushBeforeDisposing, ILogger logger) : IDisposable
{
    private readonly Lock _renewing = new();
    private IProducer<TKey, TValue>? _producer;

    public IProducer<TKey, TValue> Current
    {
        get
        {
            if (Volatile.Read(ref _producer) is { } producer)
                return producer;
            lock (_renewing)
                return _producer ??= producers.Create(RenewIfFatal);
        }
    }

    // librdkafka reports a fatal error through the errors callback, on the failed producer's thread.
    private void RenewIfFatal(IProducer<TKey, TValue> failed, Error error)
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
        // reports nothing more: flushing first delivers those outcomes, so no sender waits forever.
        _ = Task.Run(() =>
        {
            failed.Flush(flushBeforeDisposing);
            failed.Dispose();
        });
    }

    // The container disposes this singleton at shutdown; the producer flushes and closes with it.
    public void Dispose() => Volatile.Read(ref _producer)?.Dispose();
}
