using Coupon.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.AppHost.Redis;

// Redis as Debian's redis-server, where Aspire would run its Redis container: a generated password
// (in a config file in the data folder, never on the command line), loopback only, an append-only
// file fsynced every second so winners survive a restart, and a memory cap that refuses writes
// rather than evicting a campaign's winners.
public sealed class RedisServerResource(string name, string program, string dataFolder, ParameterResource password)
    : ExecutableResource(name, program, dataFolder), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";

    public ParameterResource PasswordParameter { get; } = password;

    public string DataFolder { get; } = dataFolder;

    public string PasswordFile => Path.Combine(DataFolder, "password.conf");

    public string PidFile => Path.Combine(DataFolder, "redis.pid");

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    // StackExchange.Redis syntax, as Aspire's Redis resource gives it.
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");
}

public static class RedisServerBuilderExtensions
{
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.Configuration.GetConnectionString(name) is { } external)
        {
            return builder.AddConnectionString(name).WithHealthCheck(AddPing(builder, name, () => external));
        }
        if (builder.ExecutionContext.IsPublishMode)
        {
            // What Aspire deploys: its own Redis container with a data volume.
            return builder.AddRedis(name).WithDataVolume($"coupon.apphost-{name}-data").WithPersistence(TimeSpan.FromSeconds(1), keysChangedThreshold: 1);
        }

        var program = ServerProgram.Find(builder, "redis-server", "redis-server", name);
        var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
        var redis = new RedisServerResource(name, program, builder.DataFolder(name), password.Resource);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis, async (_, cancellationToken) =>
            connectionString = await redis.ConnectionStringExpression.GetValueAsync(cancellationToken));
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(redis, async (started, cancellationToken) =>
        {
            var logger = started.Services.GetRequiredService<ResourceLoggerService>().GetLogger(redis);
            await PreviousServer.WaitForExitAsync(redis.PidFile, redis.Command, logger, cancellationToken);
            await SecretFile.WriteAsync(redis.PasswordFile, $"requirepass {await password.Resource.GetValueAsync(cancellationToken)}\n", cancellationToken);
        });

        var endpoint = redis.PrimaryEndpoint;
        return builder.AddResource(redis)
            .WithLoopbackTcpEndpoint(RedisServerResource.PrimaryEndpointName)
            .WithArgs(context =>
            {
                context.Args.Add(redis.PasswordFile);
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--port");
                context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--dir");
                context.Args.Add(redis.DataFolder);
                foreach (var setting in (string[])["--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--maxmemory", "512mb", "--maxmemory-policy", "noeviction", "--daemonize", "no", "--pidfile", redis.PidFile, "--logfile", ""])
                {
                    context.Args.Add(setting);
                }
            })
            .WithHealthCheck(AddPing(builder, name, () => connectionString))
            .WithIconName("Database");
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
