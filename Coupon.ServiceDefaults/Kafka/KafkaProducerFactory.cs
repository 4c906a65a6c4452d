using Confluent.Kafka;

namespace Coupon.ServiceDefaults.Kafka;

// Ours, no counterpart in Aspire.Confluent.Kafka (which registers the IProducer only). Builds
// producers with a connection's settings: the IProducer singleton, and new ones for a
// client that must replace a producer after a fatal error (librdkafka then refuses every message
// for good), which it learns from the errors callback.
public sealed class KafkaProducerFactory<TKey, TValue>(Func<Action<IProducer<TKey, TValue>, Error>?, IProducer<TKey, TValue>> build)
{
    public IProducer<TKey, TValue> Create(Action<IProducer<TKey, TValue>, Error>? errors = null) => build(errors);
}
