using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Confluent.Kafka;

// Healthy when a broker answers a metadata request in time. One admin client for the process,
// created on the first probe.
internal sealed class KafkaHealthCheck(ClientConfig clientConfig, TimeSpan timeout, ILogger logger) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(ConnectionOnly(clientConfig))
        .SetLogHandler((_, message) => KafkaClientExtensions.Log(logger, message))
        .SetErrorHandler((_, error) => KafkaClientExtensions.Log(logger, error))
        .Build());

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // GetMetadata blocks; keep it off the request thread.
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(timeout), cancellationToken)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topic(s)")
                : HealthCheckResult.Unhealthy("The Kafka cluster reported no broker.");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy("Kafka did not answer a metadata request.", ex);
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
            _admin.Value.Dispose();
    }

    // Producer or consumer properties would only make the admin client log warnings.
    private static AdminClientConfig ConnectionOnly(ClientConfig config) =>
        new(config
            .Where(p => p.Key is "bootstrap.servers" or "security.protocol" || p.Key.StartsWith("sasl.", StringComparison.Ordinal) || p.Key.StartsWith("ssl.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value));
}
