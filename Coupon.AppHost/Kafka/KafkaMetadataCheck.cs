using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Coupon.AppHost.Kafka;

// Healthy when a metadata request names at least one broker; topics are the application's business.
internal static class KafkaMetadataCheck
{
    public static string Add(IDistributedApplicationBuilder builder, string name, Func<string?> bootstrapServers)
    {
        var key = $"{name}_check";
        // The client's metadata call blocks: off the calling thread.
        builder.Services.AddHealthChecks().AddAsyncCheck(key, cancellationToken => Task.Run(() =>
        {
            if (bootstrapServers() is not { Length: > 0 } servers)
                return HealthCheckResult.Unhealthy("The brokers are not known yet.");
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).SetLogHandler((_, _) => { }).Build();
            try
            {
                return admin.GetMetadata(TimeSpan.FromSeconds(3)).Brokers.Count > 0
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("No broker answered.");
            }
            catch (KafkaException exception)
            {
                return HealthCheckResult.Unhealthy(exception.Message, exception);
            }
        }, cancellationToken));
        return key;
    }
}
