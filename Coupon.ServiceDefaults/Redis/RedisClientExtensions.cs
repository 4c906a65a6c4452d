using Aspire.StackExchange.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

// Our stand-in for Aspire.StackExchange.Redis: same method, configuration keys and health check name.
public static class RedisClientExtensions
{
    private const string SectionName = "Aspire:StackExchange:Redis";

    public static void AddRedisClient(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<StackExchangeRedisSettings>? configureSettings = null,
        Action<ConfigurationOptions>? configureOptions = null)
    {
        var settings = new StackExchangeRedisSettings();
        builder.Configuration.GetSection(SectionName).Bind(settings);
        builder.Configuration.GetSection($"{SectionName}:{connectionName}").Bind(settings);
        settings.ConnectionString = ConnectionStringGuard.Read(builder.Configuration, settings.ConnectionString, connectionName);
        configureSettings?.Invoke(settings);
        var connectionString = ConnectionStringGuard.Require(settings.ConnectionString, connectionName, SectionName);

        var options = ConfigurationOptions.Parse(connectionString);
        // Start even while Redis is down and keep reconnecting: the health check reports it meanwhile.
        options.AbortOnConnectFail = false;
        configureOptions?.Invoke(options);

        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
            return ConnectionMultiplexer.Connect(options);
        });

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                connectionName,
                sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>()),
                failureStatus: null,
                tags: null,
                timeout: settings.HealthCheckTimeout));
        }
    }
}
