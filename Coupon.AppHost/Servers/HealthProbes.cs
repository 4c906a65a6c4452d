using Confluent.Kafka;
using MySqlConnector;
using StackExchange.Redis;

namespace Coupon.AppHost.Servers;

// Thrown when a resource does not pass its health check in time; the message names the resource.
public sealed class ResourceNotHealthyException(string message) : Exception(message);

// The checks WaitFor uses: each throws when the resource is not (yet) healthy.
public static class HealthProbes
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task RedisAsync(string connectionString, CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 2000;
        options.ConnectRetry = 0;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
    }

    public static async Task MySqlAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { ConnectionTimeout = 2, Pooling = false };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    // A metadata request that names at least one broker (topics are the application's business).
    public static Task KafkaAsync(string bootstrapServers, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
            .SetLogHandler((_, _) => { })
            .Build();
        if (admin.GetMetadata(TimeSpan.FromSeconds(3)).Brokers.Count == 0)
        {
            throw new KafkaException(ErrorCode.BrokerNotAvailable);
        }
    }, cancellationToken);

    // A project's /health answers 200 (the JSON body names the failing check otherwise).
    public static async Task HttpAsync(Uri baseAddress, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri(baseAddress, "/health"), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"/health answered {(int)response.StatusCode}: {body}");
        }
    }

    // Polls the probe until it passes. Fails early when the resource's process exits, and after the
    // timeout with the last error and the process's last output lines.
    public static async Task WaitUntilHealthyAsync(
        string resource,
        Func<CancellationToken, Task> probe,
        TimeSpan timeout,
        ChildProcess? process,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Exception? last = null;
        while (true)
        {
            if (process is { HasExited: true })
            {
                throw NotHealthy(resource, $"exited with code {await process.Exited} before it became healthy", last, process);
            }
            try
            {
                await probe(deadline.Token);
                return;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                last = exception;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw NotHealthy(resource, $"did not become healthy within {timeout.TotalSeconds:0} s", last, process);
            }
        }
    }

    private static ResourceNotHealthyException NotHealthy(string resource, string what, Exception? last, ChildProcess? process)
    {
        var output = process is null ? [] : process.RecentOutput().TakeLast(20);
        var message = $"Resource '{resource}' {what}."
            + (last is null ? "" : $" Last check: {last.GetType().Name}: {last.Message}")
            + string.Concat(output.Select(line => $"{Environment.NewLine}  {resource}| {line}"));
        return new ResourceNotHealthyException(message);
    }
}
