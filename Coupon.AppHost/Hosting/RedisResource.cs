using Coupon.AppHost.Servers;

namespace Coupon.AppHost.Hosting;

// Redis: a local redis-server, or the server in ConnectionStrings:redis.
public sealed class RedisResource(string name, ParameterResource password) : ServerResource(name), IResourceWithConnectionString
{
    public const string Image = "docker.io/library/redis:8.6";

    public ParameterResource Password { get; } = password;

    public string ConnectionStringExpression =>
        $"{{{Name}.bindings.tcp.host}}:{{{Name}.bindings.tcp.port}},password={Password.ValueExpression}";

    public override string DebianPackage => RedisServer.DebianPackage;

    internal override ILocalServer CreateLocalServer(RunState state) =>
        new RedisServer(state.DataFolder(Name), Password.GetValue(state), state.Servers);

    // The container Aspire runs, with the same append-only persistence as the local server.
    public override void WriteManifest(ManifestContext manifest)
    {
        manifest.WriteContainer(Image, ConnectionStringExpression);
        manifest.Writer.WriteString("entrypoint", "/bin/sh");
        manifest.Writer.WriteStartArray("args");
        manifest.Writer.WriteStringValue("-c");
        manifest.Writer.WriteStringValue("redis-server --requirepass $REDIS_PASSWORD --appendonly yes --appendfsync everysec");
        manifest.Writer.WriteEndArray();
        manifest.WriteVolume($"coupon.apphost-{Name}-data", "/data");
        manifest.WriteEnvironment([KeyValuePair.Create("REDIS_PASSWORD", Password.ValueExpression)]);
        manifest.WriteBindings([new ManifestBinding("tcp", "redis", "tcp", TargetPort: 6379)]);
    }

    internal override Task ProbeAsync(string connectionString, CancellationToken cancellationToken) =>
        HealthProbes.RedisAsync(connectionString, cancellationToken);
}

public static class RedisBuilderExtensions
{
    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddParameter($"{name}-password").Resource;
        return builder.AddResource(new RedisResource(name, password));
    }
}
