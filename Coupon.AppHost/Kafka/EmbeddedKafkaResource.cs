using Coupon.AppHost.Hosting;
using Coupon.Core.Messaging;
using Coupon.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coupon.AppHost.Kafka;

// Kafka as librdkafka's mock cluster hosted inside the AppHost (no Kafka broker is packaged for
// Debian): it speaks the Kafka protocol on 127.0.0.1, keeps everything in memory, and is stopped
// after the api and the worker (OrderedShutdown). Its commands, also buttons in the dashboard,
// inject the faults the reliability tests use.
public sealed class EmbeddedKafkaResource(string name, int brokers) : Resource(name), IResourceWithConnectionString
{
    public EmbeddedKafka Cluster { get; } = new(brokers);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{new BootstrapServers(this)}");

    internal async Task StartAsync(InitializeResourceEvent initializing, CancellationToken cancellationToken)
    {
        await initializing.Eventing.PublishAsync(new BeforeResourceStartedEvent(this, initializing.Services), cancellationToken);
        await initializing.Notifications.PublishUpdateAsync(this, state => state with { State = KnownResourceStates.Starting });
        await Cluster.StartAsync(cancellationToken);
        initializing.Logger.LogInformation("Embedded Kafka listening on {BootstrapServers}; topics {Issued} ({Partitions} partitions) and {DeadLetter}",
            Cluster.BootstrapServers, CouponTopics.Issued, CouponTopics.IssuedPartitions, CouponTopics.IssuedDeadLetter);
        await initializing.Notifications.PublishUpdateAsync(this, state => state with
        {
            State = KnownResourceStates.Running,
            StartTimeStamp = DateTime.UtcNow,
            Urls = [new UrlSnapshot("tcp", $"tcp://{Cluster.BootstrapServers}", IsInternal: false)],
            Properties = [.. state.Properties, new ResourcePropertySnapshot("kafka.brokers", Cluster.BrokerIds.Count)],
        });
        await initializing.Eventing.PublishAsync(new ConnectionStringAvailableEvent(this, initializing.Services), cancellationToken);
    }

    internal async Task StopAsync(ResourceNotificationService notifications)
    {
        await Cluster.StopAsync();
        await notifications.PublishUpdateAsync(this, state => state with { State = KnownResourceStates.Finished, StopTimeStamp = DateTime.UtcNow });
    }

    private sealed class BootstrapServers(EmbeddedKafkaResource kafka) : IValueProvider, IManifestExpressionProvider
    {
        public string ValueExpression => $"{{{kafka.Name}.connectionString}}";

        public ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) =>
            new(kafka.Cluster.BootstrapServers is { Length: > 0 } servers ? servers : null);
    }
}

public static class KafkaBuilderExtensions
{
    public const string BrokersSetting = "AppHost:KafkaBrokers";
    // One: on two cores three brokers cost the api a quarter more CPU per issue (its producer
    // splits its batches three ways) and a tenth of the issues/s (bench/README.md).
    // KafkaBrokersTests runs three.
    public const int DefaultBrokers = 1;
    private const int KafkaBrokerPort = 9092;
    private const int KafkaInternalBrokerPort = 9093;

    // A Kafka given by ConnectionStrings:<name> (its bootstrap servers): nothing starts.
    public static IResourceBuilder<IResourceWithConnectionString> AddExternalKafka(this IDistributedApplicationBuilder builder, string name)
    {
        var external = builder.Configuration.GetConnectionString(name);
        return builder.AddConnectionString(name).WithHealthCheck(KafkaMetadataCheck.Add(builder, name, () => external));
    }

    // The embedded cluster with 1 to EmbeddedKafka.MaxBrokers brokers, inside the AppHost.
    public static IResourceBuilder<EmbeddedKafkaResource> AddEmbeddedKafka(this IDistributedApplicationBuilder builder, string name, int brokers)
    {
        if (brokers is < 1 or > EmbeddedKafka.MaxBrokers)
            throw new InvalidOperationException($"{BrokersSetting} is {brokers}: the embedded Kafka runs 1 to {EmbeddedKafka.MaxBrokers} brokers.");
        var kafka = new EmbeddedKafkaResource(name, brokers);
        builder.Services.AddSingleton(kafka);
        var resource = builder.AddResource(kafka)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "Kafka", State = KnownResourceStates.NotStarted, Properties = [] })
            .WithHealthCheck(KafkaMetadataCheck.Add(builder, name, () => kafka.Cluster.BootstrapServers))
            .OnInitializeResource((resource, initializing, cancellationToken) => resource.StartAsync(initializing, cancellationToken))
            .WithFaultCommand("brokers-down", "Take the brokers down", "Every broker closes its connections and refuses new ones until brought up.",
                "PlugDisconnected", cluster => cluster.SetAllBrokersDown())
            .WithFaultCommand("brokers-up", "Bring the brokers up", "Brokers accept connections again.",
                "PlugConnected", cluster => cluster.SetAllBrokersUp())
            .WithFaultCommand("slow-brokers", "Slow the brokers", "Every broker answers 500 ms late until the faults are cleared.",
                "Clock", cluster => cluster.BrokerIds.ToList().ForEach(id => cluster.SetBrokerRtt(id, TimeSpan.FromMilliseconds(500))))
            .WithFaultCommand("clear-faults", "Clear the faults", "Brokers up, no delay, no queued request errors.",
                "ArrowReset", cluster => cluster.ClearFaults())
            .WithIconName("Mailbox");
        return brokers == 1
            ? resource
            : resource.WithFaultCommand("fail-broker", "Fail one broker",
                "The first broker still up goes down; the brokers left take over its partitions and the worker's group. Bring the brokers up to undo.",
                "Server", cluster => cluster.BrokerIds.Where(cluster.IsUp).Take(1).ToList().ForEach(cluster.FailBroker));
    }

    private static IResourceBuilder<EmbeddedKafkaResource> WithFaultCommand(this IResourceBuilder<EmbeddedKafkaResource> kafka,
        string name, string displayName, string description, string icon, Action<EmbeddedKafka> fault) =>
        kafka.WithCommand(name, displayName,
            _ =>
            {
                fault(kafka.Resource.Cluster);
                return Task.FromResult(CommandResults.Success());
            },
            new CommandOptions
            {
                Description = description,
                IconName = icon,
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });

    // What Aspire's Kafka integration deploys, for the manifest: its single-node KRaft broker with
    // a listener for clients and one for other containers.
    public static IResourceBuilder<ServerContainerResource> AddKafkaContainer(this IDistributedApplicationBuilder builder, string name)
    {
        var container = new ServerContainerResource(name, endpoint => ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.HostAndPort)}"));
        var primary = container.PrimaryEndpoint;
        var internalEndpoint = new EndpointReference(container, "internal");
        return builder.AddResource(container)
            .WithImage("confluentinc/confluent-local", "8.1.1").WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: KafkaBrokerPort, name: ServerContainerResource.PrimaryEndpointName)
            .WithEndpoint(targetPort: KafkaInternalBrokerPort, name: "internal")
            .WithEnvironment("KAFKA_LISTENERS", "PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:9092,PLAINTEXT_INTERNAL://0.0.0.0:9093")
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT_INTERNAL:PLAINTEXT")
            .WithEnvironment("KAFKA_ADVERTISED_LISTENERS", ReferenceExpression.Create(
                $"PLAINTEXT://{primary.Property(EndpointProperty.Host)}:29092,PLAINTEXT_HOST://{primary.Property(EndpointProperty.HostAndPort)},PLAINTEXT_INTERNAL://{internalEndpoint.Property(EndpointProperty.HostAndPort)}"))
            .WithVolume($"coupon.apphost-{name}-data", "/var/lib/kafka/data");
    }
}
