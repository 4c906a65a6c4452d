using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coupon.ServiceDefaults.Kafka;

// Stands in for Aspire.Confluent.Kafka's health check, which is named
// `Aspire.Confluent.Kafka.Producer`/`.Consumer`; this one is named after the connection (`kafka`)
// and shared by a producer and a consumer of one app. Healthy when a broker answers a metadata request in time. GetMetadata blocks its thread up to
// the timeout while the brokers are away, so it runs on a thread of its own, never a thread-pool
// thread, and one probe at a time: a check arriving meanwhile awaits the probe in flight.
internal sealed class KafkaHealthCheck(ClientConfig clientConfig, TimeSpan timeout, ILogger logger) : IHealthCheck, IDisposable
{
    private readonly Lock _lock = new();
    private Task<Metadata>? _probe;
    // Used by the probe in flight only; it is disposed by whoever finishes last, the probe or
    // Dispose: destroying a librdkafka client while a call on it runs crashes the process.
    private IAdminClient? _admin;
    private bool _probing;
    private bool _disposed;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var metadata = await StartProbe().WaitAsync(cancellationToken).ConfigureAwait(false);
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
        IAdminClient? idle;
        lock (_lock)
        {
            _disposed = true;
            idle = _probing ? null : _admin;
            _admin = null;
        }
        idle?.Dispose();
    }

    private Task<Metadata> StartProbe()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_probe is null || _probe.IsCompleted)
            {
                _probing = true;
                _probe = Task.Factory.StartNew(Probe, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            return _probe;
        }
    }

    private Metadata Probe()
    {
        IAdminClient admin;
        lock (_lock)
        {
            admin = _admin ??= new AdminClientBuilder(ConnectionOnly(clientConfig))
                .SetLogHandler((_, message) => KafkaClientExtensions.Log(logger, message))
                .SetErrorHandler((_, error) => KafkaClientExtensions.Log(logger, error))
                .Build();
        }
        var failed = true;
        try
        {
            var metadata = admin.GetMetadata(timeout);
            failed = false;
            return metadata;
        }
        finally
        {
            bool done;
            lock (_lock)
            {
                _probing = false;
                // A client that failed can sit in librdkafka's reconnect backoff for most of a
                // minute after the brokers are back (seen with the embedded cluster): the next
                // probe starts afresh.
                done = failed || _disposed;
                if (done && ReferenceEquals(_admin, admin))
                    _admin = null;
            }
            if (done)
                admin.Dispose();
        }
    }

    // Producer or consumer properties would only make the admin client log warnings.
    private static AdminClientConfig ConnectionOnly(ClientConfig config) =>
        new(config
            .Where(p => p.Key is "bootstrap.servers" or "security.protocol" || p.Key.StartsWith("sasl.", StringComparison.Ordinal) || p.Key.StartsWith("ssl.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value));
}
