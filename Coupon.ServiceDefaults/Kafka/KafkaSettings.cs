using Confluent.Kafka;

namespace Coupon.ServiceDefaults.Kafka;

// Stand-ins for Aspire.Confluent.Kafka's settings (that package is not served here): bound from
// `Aspire:Confluent:Kafka:Producer` / `:Consumer`, `Config` from their `:Config` subsection
// (librdkafka properties by their Confluent.Kafka names), as there.
// HealthCheckTimeout bounds our own check (KafkaHealthCheck).
public abstract class KafkaClientSettings<TConfig> where TConfig : ClientConfig, new()
{
    public string? ConnectionString { get; set; }

    public TConfig Config { get; init; } = new();

    public bool DisableHealthChecks { get; set; }

    public bool DisableMetrics { get; set; }

    // Longest a health probe waits for the cluster's metadata.
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);
}

public sealed class KafkaProducerSettings : KafkaClientSettings<ProducerConfig>;

public sealed class KafkaConsumerSettings : KafkaClientSettings<ConsumerConfig>;
