using Confluent.Kafka;

namespace Aspire.Confluent.Kafka;

// Bound from `Aspire:Confluent:Kafka:Producer` / `:Consumer`, `Config` from their `:Config`
// subsection (librdkafka properties by their Confluent.Kafka names), as in Aspire.Confluent.Kafka.
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
