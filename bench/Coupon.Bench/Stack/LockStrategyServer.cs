using System.Reflection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Coupon.AppHost.Hosting;

namespace Coupon.Bench.Stack;

// The comparison server (bench/Coupon.Bench.LockStrategies, the origin's strategies) as a project
// of the AppHost's model, added beside its api by whoever runs the benchmark: it is given what the
// api is given (CouponProjects.AsIssuingServer) and waits for the api, which owns the migrations.
// It starts when a strategy step asks, with the strategy in StrategyVariable.
public static class LockStrategyServer
{
    public const string ResourceName = "lock-strategies";
    public const string StrategyVariable = "LockStrategies__Strategy";
    public const string MySqlLock = "mysql-lock";
    public const string RedisLock = "redis-lock";

    public static readonly string[] Strategies = [MySqlLock, RedisLock];

    // Written by Coupon.Bench.csproj, which builds the server in the bench's configuration.
    private static string ProjectPath => Path.GetFullPath(typeof(LockStrategyServer).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(metadata => metadata.Key == "LockStrategiesProject").Value!);

    public static IResourceBuilder<ProjectResource> AddLockStrategyServer(this IDistributedApplicationBuilder builder, string name = ResourceName) =>
        builder.AddProject(name, ProjectPath)
            .WithLocalHttpEndpoint()
            .AsIssuingServer(CouponServers.In(builder))
            .WaitFor(builder.CreateResourceBuilder<ProjectResource>("api"))
            .WithExplicitStart();
}
