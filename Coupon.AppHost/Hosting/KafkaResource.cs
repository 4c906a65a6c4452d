using Coupon.AppHost.Servers;

namespace Coupon.AppHost.Hosting;

// Kafka: the embedded Kafka (librdkafka's mock cluster inside the AppHost, in memory), or the
// brokers in ConnectionStrings:kafka.
public sealed class KafkaResource(string name) : ServerResource(name), IResourceWithConnectionString
{
    public const string Image = "docker.io/confluentinc/confluent-local:8.1.1";

    public string ConnectionStringExpression => $"{{{Name}.bindings.tcp.host}}:{{{Name}.bindings.tcp.port}}";

    // The embedded Kafka is a library: nothing to install.
    public override string? DebianPackage => null;

    internal override ILocalServer CreateLocalServer(RunState state) => new EmbeddedKafka();

    // Aspire's single-node KRaft broker with a listener for clients and one for other containers.
    public override void WriteManifest(ManifestContext manifest)
    {
        manifest.WriteContainer(Image, ConnectionStringExpression);
        manifest.WriteEnvironment(new Dictionary<string, string>
        {
            ["KAFKA_LISTENERS"] = "PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:9092,PLAINTEXT_INTERNAL://0.0.0.0:9093",
            ["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT_INTERNAL:PLAINTEXT",
            ["KAFKA_ADVERTISED_LISTENERS"] =
                $"PLAINTEXT://{{{Name}.bindings.tcp.host}}:29092,PLAINTEXT_HOST://{{{Name}.bindings.tcp.host}}:{{{Name}.bindings.tcp.port}},PLAINTEXT_INTERNAL://{{{Name}.bindings.internal.host}}:{{{Name}.bindings.internal.port}}",
        });
        manifest.WriteBindings([new ManifestBinding("tcp", "tcp", "tcp", TargetPort: 9092), new ManifestBinding("internal", "tcp", "tcp", TargetPort: 9093)]);
    }

    internal override Task ProbeAsync(string connectionString, CancellationToken cancellationToken) =>
        HealthProbes.KafkaAsync(connectionString, cancellationToken);
}

public static class KafkaBuilderExtensions
{
    public static IResourceBuilder<KafkaResource> AddKafka(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new KafkaResource(name));
}
