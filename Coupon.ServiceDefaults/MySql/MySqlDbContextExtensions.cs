using Coupon.ServiceDefaults.MySql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

// Our stand-in for Aspire.Pomelo.EntityFrameworkCore.MySql's AddMySqlDbContext (that package is
// not served here), in the namespace the package and ServiceDefaults put such methods in. Same
// method and configuration keys, MySqlConnector's own traces and metrics subscribed; what
// differs: the health check is named after the connection, not the context type
// (DbContextHealthCheck), and the server version is not detected (PomeloEntityFrameworkCoreMySqlSettings).
public static class MySqlDbContextExtensions
{
    private const string SectionName = "Aspire:Pomelo:EntityFrameworkCore:MySql";
    private const string MySqlConnectorTelemetry = "MySqlConnector";
    private static readonly ServerVersion DefaultServerVersion = new MariaDbServerVersion(new Version(10, 11));

    public static void AddMySqlDbContext<TContext>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<PomeloEntityFrameworkCoreMySqlSettings>? configureSettings = null,
        Action<DbContextOptionsBuilder>? configureDbContextOptions = null) where TContext : DbContext
    {
        var settings = new PomeloEntityFrameworkCoreMySqlSettings();
        builder.Configuration.GetSection(SectionName).Bind(settings);
        builder.Configuration.GetSection($"{SectionName}:{typeof(TContext).Name}").Bind(settings);
        settings.ConnectionString = ConnectionStringGuard.Read(builder.Configuration, settings.ConnectionString, connectionName);
        configureSettings?.Invoke(settings);
        var connectionString = ConnectionStringGuard.Require(settings.ConnectionString, connectionName, SectionName);
        var serverVersion = settings.ServerVersion is { Length: > 0 } version ? ServerVersion.Parse(version) : DefaultServerVersion;

        builder.Services.AddDbContextPool<TContext>(options =>
        {
            options.UseMySql(connectionString, serverVersion, mysql =>
            {
                if (!settings.DisableRetry)
                    mysql.EnableRetryOnFailure();
                if (settings.CommandTimeout is { } timeout)
                    mysql.CommandTimeout(timeout);
            });
            configureDbContextOptions?.Invoke(options);
        });

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                connectionName,
                sp => new DbContextHealthCheck<TContext>(sp.GetRequiredService<TContext>()),
                failureStatus: null,
                tags: null,
                timeout: settings.HealthCheckTimeout));
        }

        if (!settings.DisableTracing)
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(MySqlConnectorTelemetry));
        if (!settings.DisableMetrics)
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MySqlConnectorTelemetry));
    }
}
