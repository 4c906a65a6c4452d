using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace Coupon.AppHost.MySql;

// `SELECT 1` with the resource's connection string (the MySQL health check package served here is
// too old for this MySqlConnector).
internal static class MySqlPing
{
    public static string Add(IDistributedApplicationBuilder builder, string name, Func<string?> connectionString)
    {
        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            if (connectionString() is not { } known)
                return HealthCheckResult.Unhealthy("The connection string is not known yet.");
            try
            {
                await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(known) { ConnectionTimeout = 3, Pooling = false }.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await new MySqlCommand("SELECT 1", connection).ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (MySqlException exception)
            {
                return HealthCheckResult.Unhealthy(exception.Message, exception);
            }
        });
        return key;
    }
}
