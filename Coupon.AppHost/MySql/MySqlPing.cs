using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace Coupon.AppHost.MySql;

// `SELECT 1` with the resource's connection string (the MySQL health check package served here is
// too old for this MySqlConnector).
internal sealed class MySqlPing(Func<string?> connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (connectionString() is not { } known)
            return HealthCheckResult.Unhealthy("The connection string is not known yet.");
        try
        {
            var builder = new MySqlConnectionStringBuilder(known) { ConnectionTimeout = 3, Pooling = false };
            await using var connection = new MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (MySqlException exception)
        {
            return HealthCheckResult.Unhealthy(exception.Message, exception);
        }
    }

    public static string Add(IDistributedApplicationBuilder builder, string name, Func<string?> connectionString)
    {
        var key = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new MySqlPing(connectionString), failureStatus: null, tags: null));
        return key;
    }
}
