using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Coupon.Core.Messaging;
using Coupon.ServiceDefaults.Kafka;
using Microsoft.Extensions.Options;

namespace Coupon.Worker.Persisting;

// Events the worker cannot persist go to `coupon-issued.dlq` unchanged, with headers saying why
// and where they came from, so the partition keeps moving and nothing is silently dropped.
public sealed partial class DeadLetters(
    RenewingKafkaProducer<byte[], byte[]> producer,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    ILogger<DeadLetters> logger)
{
    public const string ReasonHeader = "dead-letter-reason";
    public const string SourceHeader = "dead-letter-source";
    public const string WorkerHeader = "dead-letter-worker";

    public const string MalformedEvent = "malformed-event";
    public const string UnknownCampaign = "unknown-campaign";
    // More accepted than the campaign's quantity: never committed past, kept for an operator.
    public const string OverQuantity = "over-quantity";
    // An entry whose campaign has no draw to make (made already, or not a draw): it is in no draw.
    public const string NoDrawPending = "no-draw-pending";

    public async Task SendAsync(ConsumeResult<byte[], byte[]> source, string reason)
    {
        var headers = new Headers();
        foreach (var header in source.Message.Headers ?? [])
            headers.Add(header.Key, header.GetValueBytes());
        headers.Add(ReasonHeader, Encoding.UTF8.GetBytes(reason));
        headers.Add(SourceHeader, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{source.Topic}/{source.Partition.Value}@{source.Offset.Value}")));
        headers.Add(WorkerHeader, Encoding.UTF8.GetBytes(options.Value.Instance));

        await producer.Current.ProduceAsync(CouponTopics.IssuedDeadLetter, new Message<byte[], byte[]>
        {
            Key = source.Message.Key,
            Value = source.Message.Value,
            Headers = headers,
        });
        metrics.EventDeadLettered(reason);
        LogDeadLettered(source.Topic, source.Partition.Value, source.Offset.Value, reason);
    }

    [LoggerMessage(LogLevel.Warning, "Dead-lettered the event at {Topic}/{Partition}@{Offset}: {Reason}")]
    private partial void LogDeadLettered(string topic, int partition, long offset, string reason);
}
