using Confluent.Kafka;
using Coupon.ServiceDefaults.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

// Our stand-in for Aspire.Confluent.Kafka's AddKafkaProducer/AddKafkaConsumer (that package is not
// served here), in the namespace the package and ServiceDefaults put such methods in. Same
// methods and configuration keys; what differs: idempotence and acks=all by default, the health
// check is named after the connection and shared (KafkaHealthCheck), the metrics meter is ours
// (KafkaClientMetrics), and a producer is renewed after a fatal error (RenewingKafkaProducer).
public static class KafkaClientExtensions
{
    private const string ProducerSection = "Aspire:Confluent:Kafka:Producer";
    private const string ConsumerSection = "Aspire:Confluent:Kafka:Consumer";
    private const int DefaultStatisticsIntervalMs = 5000;
    // librdkafka's message.timeout.ms when none is configured.
    private const int DefaultMessageTimeoutMs = 300_000;

    public static void AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = builder.BindSettings<KafkaProducerSettings, ProducerConfig>(connectionName, ProducerSection, configureSettings);
        // Never lose or duplicate an accepted event on retries.
        settings.Config.EnableIdempotence ??= true;
        settings.Config.Acks ??= Acks.All;

        builder.Services.AddSingleton(sp => new KafkaProducerFactory<TKey, TValue>(errors =>
        {
            var producer = new ProducerBuilder<TKey, TValue>(settings.Config);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Confluent.Kafka.Producer");
            producer.SetLogHandler((_, message) => Log(logger, message))
                .SetErrorHandler((client, error) =>
                {
                    Log(logger, error);
                    errors?.Invoke(client, error);
                });
            if (!settings.DisableMetrics)
                producer.SetStatisticsHandler(RecordStatistics(sp));
            configureBuilder?.Invoke(sp, producer);
            return producer.Build();
        }));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<KafkaProducerFactory<TKey, TValue>>().Create());
        // Longer than a message's delivery timeout, so a failed producer's messages in flight all
        // have their outcome before it is disposed.
        var flushBeforeDisposing = TimeSpan.FromMilliseconds(settings.Config.MessageTimeoutMs ?? DefaultMessageTimeoutMs) + TimeSpan.FromSeconds(25);
        builder.Services.AddSingleton(sp => new RenewingKafkaProducer<TKey, TValue>(
            sp.GetRequiredService<KafkaProducerFactory<TKey, TValue>>(), flushBeforeDisposing,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Confluent.Kafka.Producer")));
    }

    public static void AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = builder.BindSettings<KafkaConsumerSettings, ConsumerConfig>(connectionName, ConsumerSection, configureSettings);
        if (string.IsNullOrWhiteSpace(settings.Config.GroupId))
            throw new InvalidOperationException($"A Kafka consumer needs a group id: set '{ConsumerSection}:Config:GroupId' or Config.GroupId in the settings.");

        builder.Services.AddSingleton(sp =>
        {
            var consumer = new ConsumerBuilder<TKey, TValue>(settings.Config);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Confluent.Kafka.Consumer");
            consumer.SetLogHandler((_, message) => Log(logger, message))
                .SetErrorHandler((_, error) => Log(logger, error));
            if (!settings.DisableMetrics)
                consumer.SetStatisticsHandler(RecordStatistics(sp));
            configureBuilder?.Invoke(sp, consumer);
            return consumer.Build();
        });
    }

    private static TSettings BindSettings<TSettings, TConfig>(
        this IHostApplicationBuilder builder, string connectionName, string sectionName, Action<TSettings>? configureSettings)
        where TSettings : KafkaClientSettings<TConfig>, new()
        where TConfig : ClientConfig, new()
    {
        var settings = new TSettings();
        builder.Configuration.GetSection(sectionName).Bind(settings);
        builder.Configuration.GetSection($"{sectionName}:{connectionName}").Bind(settings);
        settings.ConnectionString = ConnectionStringGuard.Read(builder.Configuration, settings.ConnectionString, connectionName);
        configureSettings?.Invoke(settings);

        // An empty bootstrap.servers makes librdkafka resolve odd host names: refuse to start instead.
        if (string.IsNullOrWhiteSpace(settings.Config.BootstrapServers))
            settings.Config.BootstrapServers = ConnectionStringGuard.Require(settings.ConnectionString, connectionName, sectionName);
        if (!settings.DisableMetrics)
            settings.Config.StatisticsIntervalMs ??= DefaultStatisticsIntervalMs;

        if (!settings.DisableMetrics)
            builder.Services.TryAddSingleton<KafkaClientMetrics>();
        if (!settings.DisableHealthChecks)
            builder.AddKafkaHealthCheck(connectionName, settings.Config, settings.HealthCheckTimeout);
        return settings;
    }

    // A producer and a consumer in one app share one check named after the connection.
    private static void AddKafkaHealthCheck(this IHostApplicationBuilder builder, string name, ClientConfig config, TimeSpan timeout)
    {
        builder.Services.AddHealthChecks();
        builder.Services.TryAddKeyedSingleton(name, (sp, _) =>
            new KafkaHealthCheck(config, timeout, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Confluent.Kafka.HealthCheck")));
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (options.Registrations.All(r => r.Name != name))
            {
                options.Registrations.Add(new HealthCheckRegistration(name,
                    sp => sp.GetRequiredKeyedService<KafkaHealthCheck>(name), failureStatus: null, tags: null, timeout));
            }
        });
    }

    // Resolved once: librdkafka can still report statistics while the container is being disposed.
    private static Action<object, string> RecordStatistics(IServiceProvider services)
    {
        var metrics = services.GetRequiredService<KafkaClientMetrics>();
        return (_, json) => metrics.Record(json);
    }

    internal static void Log(ILogger logger, LogMessage message) =>
        logger.Log((LogLevel)message.LevelAs(LogLevelType.MicrosoftExtensionsLogging), "{Facility} {Client}: {Message}",
            message.Facility, message.Name, message.Message);

    // Most errors are transient (a broker restarting) and librdkafka recovers by itself.
    internal static void Log(ILogger logger, Error error) =>
        logger.Log(error.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka error {Code}: {Reason}", error.Code, error.Reason);
}
