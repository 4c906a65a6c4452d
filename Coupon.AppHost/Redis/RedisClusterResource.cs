using System.Globalization;
using Coupon.AppHost.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Coupon.AppHost.Redis;

// Redis as a local Redis Cluster of masters without replicas, one redis-server shard each (the
// shards are the resources DCP runs; this one runs nothing). Campaign keys carry a hash tag, so a
// campaign lives on one shard and the campaigns spread over all of them. The connection string
// lists every shard; StackExchange.Redis finds the slot map from any of them. allowAdmin lets the
// Redis health check (AspNetCore.HealthChecks.Redis, in the client integration too) send CLUSTER
// INFO to each shard; the password already grants every command on the server's side.
public sealed class RedisClusterResource(string name, ParameterResource password) : Resource(name), IResourceWithConnectionString
{
    private const int Slots = 16384;
    private static readonly TimeSpan FormingPatience = TimeSpan.FromSeconds(60);

    public ParameterResource PasswordParameter { get; } = password;

    public List<RedisServerResource> Shards { get; } = [];

    internal RedisCli Cli { get; set; } = null!;

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var expression = new ReferenceExpressionBuilder();
            foreach (var shard in Shards)
                expression.Append($"{shard.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},");
            expression.Append($"allowAdmin=true,password={PasswordParameter}");
            return expression.Build();
        }
    }

    // Once its shards run: the cluster is created on the first start (empty shards), and on a
    // later start, where every shard has a new port, each shard meets the others where they are
    // now (a peer it knows by id from nodes.conf only changes address). Running once whole.
    internal async Task StartAsync(InitializeResourceEvent initializing, CancellationToken cancellationToken)
    {
        await initializing.Eventing.PublishAsync(new BeforeResourceStartedEvent(this, initializing.Services), cancellationToken);
        await initializing.Notifications.PublishUpdateAsync(this, state => state with { State = KnownResourceStates.Starting });
        try
        {
            foreach (var shard in Shards)
                await initializing.Notifications.WaitForResourceAsync(shard.Name, KnownResourceStates.Running, cancellationToken);
            await FormAsync(initializing.Logger, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            initializing.Logger.LogError(exception, "The Redis Cluster could not be formed");
            await initializing.Notifications.PublishUpdateAsync(this, state => state with { State = KnownResourceStates.FailedToStart });
            return;
        }
        await initializing.Notifications.PublishUpdateAsync(this, state => state with
        {
            State = KnownResourceStates.Running,
            StartTimeStamp = DateTime.UtcNow,
            Properties = [.. state.Properties, new ResourcePropertySnapshot("redis.shards", Shards.Count)],
        });
        await initializing.Eventing.PublishAsync(new ConnectionStringAvailableEvent(this, initializing.Services), cancellationToken);
    }

    // Why the cluster is not whole, or null: every shard is up, assigns all slots, says
    // cluster_state:ok and sees every shard connected at its current address.
    internal async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        var expected = Shards.Select(Address).ToHashSet();
        foreach (var shard in Shards)
        {
            ClusterView view;
            try
            {
                view = await ViewAsync(shard, cancellationToken);
            }
            catch (InvalidOperationException exception)
            {
                return $"{shard.Name}: {exception.Message}";
            }
            if (!view.StateOk || view.SlotsAssigned != Slots)
                return $"{shard.Name}: cluster_state is not ok or not every slot is assigned.";
            if (!expected.SetEquals(view.ConnectedPeers))
                return $"{shard.Name} sees {string.Join(", ", view.ConnectedPeers)}, not every shard at {string.Join(", ", expected)}.";
        }
        return null;
    }

    private async Task FormAsync(ILogger logger, CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(FormingPatience);
        var views = new List<ClusterView>();
        foreach (var shard in Shards)
            views.Add(await AnsweringViewAsync(shard, patience.Token));

        if (views.All(view => view.SlotsAssigned == 0))
        {
            // Shards that know each other without slots: a creation that was cut short.
            foreach (var (shard, _) in Shards.Zip(views).Where(pair => pair.Second.KnownNodes > 1))
                await Cli.OnShardAsync(Port(shard), ["CLUSTER", "RESET"], patience.Token);
            logger.LogInformation("Creating the Redis Cluster: {Shards} masters on {Addresses}", Shards.Count, string.Join(", ", Shards.Select(Address)));
            await Cli.RunAsync(["--cluster", "create", .. Shards.Select(shard => $"127.0.0.1:{Port(shard)}"), "--cluster-yes"], patience.Token);
        }
        else
        {
            logger.LogInformation("Joining the Redis Cluster's shards at their new addresses {Addresses}", string.Join(", ", Shards.Select(Address)));
            foreach (var shard in Shards)
            {
                foreach (var peer in Shards.Where(peer => peer != shard))
                {
                    await Cli.OnShardAsync(Port(shard), ["CLUSTER", "MEET", "127.0.0.1",
                        Port(peer).ToString(CultureInfo.InvariantCulture), BusPort(peer).ToString(CultureInfo.InvariantCulture)], patience.Token);
                }
            }
        }

        string? problem;
        try
        {
            while ((problem = await ProblemAsync(patience.Token)) is not null)
                await Task.Delay(TimeSpan.FromMilliseconds(250), patience.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"The Redis Cluster is not whole after {FormingPatience.TotalSeconds:0} s ({await ProblemAsync(cancellationToken)}); " +
                "its shards' data folders may come from different clusters: start with --fresh to create it again.");
        }
        logger.LogInformation("The Redis Cluster is whole: {Shards} masters, {Slots} slots", Shards.Count, Slots);
    }

    private async Task<ClusterView> AnsweringViewAsync(RedisServerResource shard, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await ViewAsync(shard, cancellationToken);
            }
            catch (InvalidOperationException)
            {
                // Running, not listening yet.
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    private async Task<ClusterView> ViewAsync(RedisServerResource shard, CancellationToken cancellationToken) =>
        ClusterView.Parse(
            await Cli.OnShardAsync(Port(shard), ["CLUSTER", "INFO"], cancellationToken),
            await Cli.OnShardAsync(Port(shard), ["CLUSTER", "NODES"], cancellationToken));

    private static int Port(RedisServerResource shard) => shard.PrimaryEndpoint.Port;

    private static int BusPort(RedisServerResource shard) => shard.BusEndpoint.Port;

    // As CLUSTER NODES writes a node's address.
    private static string Address(RedisServerResource shard) => $"127.0.0.1:{Port(shard)}@{BusPort(shard)}";

    // One shard's CLUSTER INFO and CLUSTER NODES.
    private sealed record ClusterView(bool StateOk, int SlotsAssigned, int KnownNodes, IReadOnlyList<string> ConnectedPeers)
    {
        private static readonly string[] Unreachable = ["fail", "fail?", "handshake", "noaddr"];

        public static ClusterView Parse(string info, string nodes)
        {
            var fields = info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(':', 2)).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1]);
            // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <epoch> <link-state> <slots>…
            var connected = nodes.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .Where(node => node.Length >= 8 && node[7] == "connected" && !node[2].Split(',').Intersect(Unreachable).Any())
                .Select(node => node[1].Split(',')[0])
                .ToList();
            return new ClusterView(fields.GetValueOrDefault("cluster_state") == "ok",
                int.Parse(fields.GetValueOrDefault("cluster_slots_assigned", "0"), CultureInfo.InvariantCulture),
                int.Parse(fields.GetValueOrDefault("cluster_known_nodes", "0"), CultureInfo.InvariantCulture),
                connected);
        }
    }
}

public static class RedisClusterBuilderExtensions
{
    // 1 (the default): one redis-server; 3 or more: a local Redis Cluster of that many masters.
    public const string ShardsKey = "AppHost:RedisShards";
    // A Redis Cluster needs at least three masters.
    private const int MinimumShards = 3;

    // A local Redis Cluster of that many redis-server masters, each a resource of its own.
    public static IResourceBuilder<RedisClusterResource> AddRedisCluster(this IDistributedApplicationBuilder builder, string name, int shards)
    {
        if (shards < MinimumShards)
            throw new InvalidOperationException($"{ShardsKey} is {shards}: 1 runs one redis-server, a Redis Cluster needs at least {MinimumShards} shards.");
        var serverProgram = RedisServerBuilderExtensions.FindProgram(builder, name);
        var cliProgram = ServerProgram.Find(builder, "redis-cli", "redis-tools", name);
        var password = builder.AddServerPassword($"{name}-password").Resource;
        var cluster = new RedisClusterResource(name, password) { Cli = new RedisCli(cliProgram, password) };
        var resource = builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "RedisCluster", State = KnownResourceStates.NotStarted, Properties = [] })
            .OnInitializeResource((resource, initializing, cancellationToken) => resource.StartAsync(initializing, cancellationToken))
            .WithIconName("Database");
        for (var shard = 1; shard <= shards; shard++)
        {
            cluster.Shards.Add(builder.AddServerProcess($"{name}-{shard}", serverProgram, password, shard: true)
                .WithParentRelationship(cluster).Resource);
        }

        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
            await cluster.ProblemAsync(cancellationToken) is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy());
        return resource.WithHealthCheck(key);
    }
}
