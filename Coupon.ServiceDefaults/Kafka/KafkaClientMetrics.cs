using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Hosting;

namespace Coupon.ServiceDefaults.Kafka;

// Turns librdkafka's statistics (emitted every statistics.interval.ms as JSON) into instruments,
// with the instrument names Aspire.Confluent.Kafka uses, tagged by client; the meter is ours
// (Coupon.Messaging), not the package's `Aspire.Confluent.Kafka`.
internal sealed class KafkaClientMetrics
{
    private readonly ConcurrentDictionary<string, Snapshot> _latest = new();

    public KafkaClientMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(CouponTelemetry.Messaging);
        meter.CreateObservableCounter("messaging.kafka.messages.transmitted", () => Observe(s => s.TxMessages), "{message}", "Messages sent to brokers.");
        meter.CreateObservableCounter("messaging.kafka.messages.received", () => Observe(s => s.RxMessages), "{message}", "Messages received from brokers.");
        meter.CreateObservableCounter("messaging.kafka.network.tx", () => Observe(s => s.TxRequests), "{request}", "Requests sent to brokers.");
        meter.CreateObservableCounter("messaging.kafka.network.rx", () => Observe(s => s.RxResponses), "{response}", "Responses received from brokers.");
        meter.CreateObservableGauge("messaging.kafka.producer.queue.message_count", () => Observe(s => s.ProducerQueue), "{message}", "Messages waiting to be sent or acknowledged.");
        meter.CreateObservableGauge("messaging.kafka.consumer.queue.message_count", () => Observe(s => s.ConsumerQueue), "{event}", "Events waiting to be served by poll.");
        meter.CreateObservableGauge("messaging.kafka.consumer.lag", () => Observe(s => s.ConsumerLag), "{message}", "Messages behind the high watermark, over the assigned partitions.");
    }

    public void Record(string statisticsJson)
    {
        using var document = JsonDocument.Parse(statisticsJson);
        var root = document.RootElement;
        var snapshot = new Snapshot(
            root.GetProperty("type").GetString() ?? "unknown",
            Long(root, "txmsgs"), Long(root, "rxmsgs"), Long(root, "tx"), Long(root, "rx"),
            Long(root, "msg_cnt"), Long(root, "replyq"), ConsumerLag(root));
        _latest[root.GetProperty("name").GetString() ?? "unknown"] = snapshot;
    }

    private IEnumerable<Measurement<long>> Observe(Func<Snapshot, long> value) =>
        _latest.Select(client => new Measurement<long>(value(client.Value),
            new KeyValuePair<string, object?>("messaging.client_id", client.Key),
            new KeyValuePair<string, object?>("messaging.kafka.client.type", client.Value.Type)));

    private static long Long(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    // consumer_lag is -1 where unknown (and on the internal "-1" partition).
    private static long ConsumerLag(JsonElement root)
    {
        if (!root.TryGetProperty("topics", out var topics))
            return 0;
        var lag = 0L;
        foreach (var topic in topics.EnumerateObject())
        {
            foreach (var partition in topic.Value.GetProperty("partitions").EnumerateObject())
                lag += Math.Max(0, Long(partition.Value, "consumer_lag"));
        }
        return lag;
    }

    private sealed record Snapshot(string Type, long TxMessages, long RxMessages, long TxRequests, long RxResponses,
        long ProducerQueue, long ConsumerQueue, long ConsumerLag);
}
