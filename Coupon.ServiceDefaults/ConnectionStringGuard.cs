using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

// A client integration without a connection string would otherwise fail much later (or, for
// Kafka, try odd host names); fail at start and say which key to set.
internal static class ConnectionStringGuard
{
    public static string Require(string? connectionString, string connectionName, string sectionName) =>
        string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException(
                $"The connection string for '{connectionName}' is missing. Set 'ConnectionStrings:{connectionName}' " +
                $"(environment variable ConnectionStrings__{connectionName}) or 'ConnectionString' in the '{sectionName}' configuration section.")
            : connectionString;

    // The settings section first, then ConnectionStrings:<name>, as Aspire's integrations read them.
    public static string? Read(IConfiguration configuration, string? fromSettings, string connectionName) =>
        string.IsNullOrWhiteSpace(fromSettings) ? configuration.GetConnectionString(connectionName) : fromSettings;
}
