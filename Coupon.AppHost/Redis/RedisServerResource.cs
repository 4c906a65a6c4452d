using Coupon.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.AppHost.Redis;

// Redis as Debian's redis-server, where Aspire would run its Redis container: a generated password
// (in a config file in the data folder, never on the command line), loopback only, an append-only
// file fsynced every second so winners survive a restart, and a memory cap that refuses writes
// rather than evicting a campaign's winners. As a shard of a Redis Cluster it also keeps the
// cluster's view in nodes.conf beside its data and talks to its peers on a bus port of its own.
public sealed class RedisServerResource(string name, string program, string dataFolder, ParameterResource password)
    : ExecutableResource(name, program, dataFolder), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";
    public const string BusEndpointName = "bus";

    public ParameterResource PasswordParameter { get; } = password;

    public string DataFolder { get; } = dataFolder;

    public string PasswordFile => Path.Combine(DataFolder, "password.conf");

    public string PidFile => Path.Combine(DataFolder, "redis.pid");

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    // A shard's cluster bus (DCP picks it: redis-server's default, the port + 10000, may not exist).
    public EndpointReference BusEndpoint => new(this, BusEndpointName);

    // StackExchange.Redis syntax, as Aspire's Redis resource gives it.
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");
}

public static class RedisServerBuilderExtensions
{
    // A Redis given by ConnectionStrings:<name> (a server or a cluster elsewhere): nothing starts.
    public static IResourceBuilder<IResourceWithConnectionString> AddExternalRedis(this IDistributedApplicationBuilder builder, string name)
    {
        var external = builder.Configuration.GetConnectionString(name);
        return builder.AddConnectionString(name).WithHealthCheck(AddPing(builder, name, () => external));
    }

    // What Aspire deploys, for the manifest: its own Redis container with a data volume.
    public static IResourceBuilder<RedisResource> AddRedisContainer(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddRedis(name).WithDataVolume($"coupon.apphost-{name}-data").WithPersistence(TimeSpan.FromSeconds(1), keysChangedThreshold: 1);

    // One local redis-server.
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        var redis = builder.AddServerProcess(name, FindProgram(builder, name), builder.AddServerPassword($"{name}-password").Resource, shard: false);
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis.Resource, async (_, cancellationToken) =>
            connectionString = await redis.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken));
        return redis.WithHealthCheck(AddPing(builder, name, () => connectionString));
    }

    internal static string FindProgram(IDistributedApplicationBuilder builder, string name) =>
        ServerProgram.Find(builder, "redis-server", "redis-server", name);

    internal static IResourceBuilder<RedisServerResource> AddServerProcess(this IDistributedApplicationBuilder builder,
        string name, string program, ParameterResource password, bool shard)
    {
        var redis = new RedisServerResource(name, program, builder.DataFolder(name), password);
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(redis, async (started, cancellationToken) =>
        {
            var logger = started.Services.GetRequiredService<ResourceLoggerService>().GetLogger(redis);
            await PreviousServer.WaitForExitAsync(redis.PidFile, redis.Command, logger, cancellationToken);
            await SecretFile.WriteAsync(redis.PasswordFile, $"requirepass {await password.GetValueAsync(cancellationToken)}\n", cancellationToken);
        });

        var server = builder.AddResource(redis)
            .WithLoopbackTcpEndpoint(RedisServerResource.PrimaryEndpointName)
            .WithArgs(context =>
            {
                context.Args.Add(redis.PasswordFile);
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--dir");
                context.Args.Add(redis.DataFolder);
                foreach (var setting in (string[])["--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--maxmemory", "512mb", "--maxmemory-policy", "noeviction", "--daemonize", "no", "--pidfile", redis.PidFile, "--logfile", ""])
                {
                    context.Args.Add(setting);
                }
                if (!shard)
                    return;
                context.Args.Add("--cluster-port");
                context.Args.Add(redis.BusEndpoint.Property(EndpointProperty.TargetPort));
                // No replicas: a master that stops takes only its own slots away, and the others
                // go on serving theirs (full coverage not required); its peers tell it is gone
                // after 3 s instead of 15.
                foreach (var setting in (string[])["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-require-full-coverage", "no", "--cluster-node-timeout", "3000"])
                {
                    context.Args.Add(setting);
                }
            })
            .WithIconName("Database");
        return shard ? server.WithLoopbackTcpEndpoint(RedisServerResource.BusEndpointName) : server;
    }

    // A PING through the health check package Aspire's own Redis resource uses.
    private static string AddPing(IDistributedApplicationBuilder builder, string name, Func<string?> connectionString)
    {
        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString() ?? throw new InvalidOperationException($"The connection string of '{name}' is not known yet."),
            name: key);
        return key;
    }
}
