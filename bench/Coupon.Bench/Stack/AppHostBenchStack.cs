using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Coupon.Testing;
using Coupon.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.Bench.Stack;

// The AppHost's own stack, started in this process by Aspire.Hosting.Testing: redis-server and
// mariadbd in a temporary state folder, the embedded Kafka (inside this process), api and worker
// run by DCP as `dotnet run --no-build -c <the AppHost's configuration>`, which is Release for
// `dotnet run -c Release`. The parameters are chosen here, so the bench signs its own tokens and
// never touches the developer's user secrets. Api and worker run in Production and admin does
// not run; with `--telemetry on` (the default) they export over OTLP to the AppHost's dashboard as
// a run gives them (its variables, Production's sampling), with `off` the dashboard does not run
// and they get no OpenTelemetry variables (no exporter, as the runs before 2026-12-03). The api is
// loaded on its own port unless `--api proxy` asks for DCP's proxy in front of it. The comparison
// server (LockStrategyServer) is added beside the api and runs the same way.
public sealed class AppHostBenchStack : IBenchStack, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private const string DashboardResource = "aspire-dashboard";
    // Its name among the measured processes (the report's column).
    public const string DashboardProcess = "dashboard";

    private readonly string _state = Directory.CreateTempSubdirectory("coupon-bench-").FullName;
    private readonly BenchOptions _options;
    private DistributedApplication? _app;
    private string? _strategy;
    private Uri? _apiAddress;

    private AppHostBenchStack(BenchOptions options, DevelopmentTokenKeys signing)
    {
        _options = options;
        Signing = signing;
    }

    public DevelopmentTokenKeys Signing { get; }

    public string MySqlConnectionString { get; private set; } = "";

    public string KafkaBootstrapServers { get; private set; } = "";

    public Uri ApiAddress => _apiAddress ?? throw new InvalidOperationException("The api is not running.");

    public IReadOnlyDictionary<string, int> Processes { get; private set; } = new Dictionary<string, int>();

    public string Telemetry => _options.Telemetry
        ? "on: api, worker and the comparison server export traces (Production's sample, every failed or slow request kept), metrics and logs over OTLP to the AppHost's Aspire dashboard, as a run of the AppHost sets them up (`--telemetry on`)"
        : "off: no OpenTelemetry exporter in api, worker and the comparison server, and no dashboard (`--telemetry off`)";

    private DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost is not running.");

    public static async Task<AppHostBenchStack> StartAsync(BenchOptions options, DevelopmentTokenKeys signing, TextWriter log, CancellationToken cancellationToken)
    {
        var stack = new AppHostBenchStack(options, signing);
        try
        {
            log.WriteLine($"Starting the AppHost's redis ({options.RedisShards} shard(s)), mysql, kafka, {options.ApiReplicas} api and a worker (state in {stack._state}) ...");
            await stack.StartAppHostAsync(cancellationToken);
            log.WriteLine($"api at {stack.ApiAddress} ({(options.LoadsThroughProxy ? "through DCP's proxy" : "its own port")}); processes " +
                string.Join(", ", stack.Processes.Select(p => $"{p.Key} {p.Value}")));
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartAppHostAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Coupon_AppHost>(
        [
            $"--{StateFolder.PathKey}={_state}",
            .. Signing.Arguments,
            $"--Parameters:admin-operator-password={NewPassword()}",
            $"--Parameters:redis-password={NewPassword()}",
            $"--Parameters:mysql-password={NewPassword()}",
            $"--Parameters:coupondb-password={NewPassword()}",
            // Random proxy ports: a developer's stack or the tests may hold 5180 and 5190.
            "--DcpPublisher:RandomizePorts=true",
            // The servers' and projects' console output only when something is wrong.
            "--Logging:LogLevel:Default=Warning",
            // Expected while the servers start; mariadbd writes its notes to standard error.
            "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=None",
            "--Logging:LogLevel:Coupon.AppHost.Resources.mysql=None",
            $"--AppHost:ApiReplicas={_options.ApiReplicas}",
            $"--AppHost:RedisShards={_options.RedisShards}",
        ], (options, _) => options.DisableDashboard = !_options.Telemetry, timeout.Token);
        builder.AddLockStrategyServer()
            .WithEnvironment(context => context.EnvironmentVariables[LockStrategyServer.StrategyVariable] = _strategy ?? "");
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            // Nothing waits for admin, and the bench has no use for it.
            if (project.Name is not ("api" or "worker" or LockStrategyServer.ResourceName))
            {
                builder.Resources.Remove(project);
                continue;
            }
            // After the AppHost's own variables, so these win.
            builder.CreateResourceBuilder(project).WithEnvironment(context =>
            {
                context.EnvironmentVariables["ASPNETCORE_ENVIRONMENT"] = "Production";
                context.EnvironmentVariables["DOTNET_ENVIRONMENT"] = "Production";
                if (!_options.Telemetry)
                {
                    foreach (var telemetry in context.EnvironmentVariables.Keys.Where(key => key.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
                        context.EnvironmentVariables.Remove(telemetry);
                }
                if (project.Name == "worker")
                    return;
                foreach (var (name, value) in _options.ApiEnvironment)
                    context.EnvironmentVariables[name] = value;
            });
        }

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        MySqlConnectionString = await ConnectionStringAsync("coupondb", timeout.Token);
        KafkaBootstrapServers = await ConnectionStringAsync("kafka", timeout.Token);
        await RefreshAsync(timeout.Token);
    }

    public Task ReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // From the console log DCP keeps of the worker's instance.
    public async Task<IReadOnlyList<string>> WorkerOutputAsync(CancellationToken cancellationToken)
    {
        var instance = App.ResourceNotifications.TryGetCurrentState("worker", out var worker) ? worker.ResourceId : "worker";
        var output = new List<string>();
        await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(instance).WithCancellation(cancellationToken))
            output.AddRange(batch.Select(line => line.Content));
        return output;
    }

    // Through Aspire's own stop and start commands; the environment, with the strategy, is
    // evaluated again at start.
    public async Task<Uri> UseLockStrategyAsync(string strategy, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        if (_strategy is not null)
        {
            await CommandAsync(commands, KnownResourceCommands.StopCommand, timeout.Token);
            await App.ResourceNotifications.WaitForResourceAsync(LockStrategyServer.ResourceName,
                [KnownResourceStates.Exited, KnownResourceStates.Finished], timeout.Token);
        }
        _strategy = strategy;
        await CommandAsync(commands, KnownResourceCommands.StartCommand, timeout.Token);
        var server = await ProjectApplication.WaitUntilServingAsync(
            (await PidsAsync(LockStrategyServer.ResourceName, 1, timeout.Token))[0], timeout.Token);
        Processes = new Dictionary<string, int>(Processes) { [LockStrategyServer.ResourceName] = server.ProcessId };
        return _options.LoadsThroughProxy ? ProxyAddress(LockStrategyServer.ResourceName) : server.OwnAddress;
    }

    private static async Task CommandAsync(ResourceCommandService commands, string command, CancellationToken cancellationToken)
    {
        var result = await commands.ExecuteCommandAsync(LockStrategyServer.ResourceName, command, cancellationToken);
        if (!result.Success)
            throw new InvalidOperationException($"{command} on {LockStrategyServer.ResourceName} failed: {result.Message}");
    }

    // The api's address and the pids. Replicas after the first are measured as api#2, api#3, ...
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var apis = new List<ProjectApplication>();
        foreach (var pid in await PidsAsync("api", _options.ApiReplicas, cancellationToken))
            apis.Add(await ProjectApplication.WaitUntilServingAsync(pid, cancellationToken));
        var worker = await ProjectApplication.WaitUntilServingAsync((await PidsAsync("worker", 1, cancellationToken))[0], cancellationToken);
        _apiAddress = _options.LoadsThroughProxy ? ProxyAddress("api") : apis[0].OwnAddress;
        var processes = apis.Index().ToDictionary(api => api.Index == 0 ? "api" : $"api#{api.Index + 1}", api => api.Item.ProcessId);
        processes["worker"] = worker.ProcessId;
        processes["mysql"] = (await PidsAsync("mysql", 1, cancellationToken))[0];
        foreach (var (shard, pid) in (await PidsAsync("redis", _options.RedisShards, cancellationToken)).Index())
            processes[shard == 0 ? "redis" : $"redis#{shard + 1}"] = pid;
        if (_options.Telemetry)
            processes[DashboardProcess] = (await PidsAsync(DashboardResource, 1, cancellationToken))[0];
        Processes = processes;
    }

    // DCP's proxy listens on 127.0.0.1 (published as localhost); the load generator wants an IP.
    private Uri ProxyAddress(string resource) => new UriBuilder(App.GetEndpoint(resource, "http")) { Host = "127.0.0.1" }.Uri;

    // The pids of a resource's running instances (replicas, or a cluster's nodes), once all run.
    private async Task<IReadOnlyList<int>> PidsAsync(string resource, int instances, CancellationToken cancellationToken)
    {
        var running = new Dictionary<string, int>();
        await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource.Name != resource && !IsShownUnder(update.Resource, resource))
                continue;
            if (update.Snapshot.State?.Text == KnownResourceStates.Running && ResourcePid.Of(update.Snapshot) is { } pid)
                running[update.ResourceId] = pid;
            else
                running.Remove(update.ResourceId);
            if (running.Count >= instances)
                return [.. running.OrderBy(instance => instance.Key, StringComparer.Ordinal).Select(instance => instance.Value)];
        }
        throw new OperationCanceledException(cancellationToken);
    }

    // A Redis Cluster's shards, nested under `redis` in the dashboard by a parent relationship.
    private static bool IsShownUnder(IResource child, string parent) =>
        child.Annotations.OfType<ResourceRelationshipAnnotation>().Any(relationship =>
            relationship.Type == "Parent" && relationship.Resource.Name == parent);

    private async Task<string> ConnectionStringAsync(string resource, CancellationToken cancellationToken) =>
        await App.GetConnectionStringAsync(resource, cancellationToken)
        ?? throw new InvalidOperationException($"{resource} has no connection string.");

    private static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24);

    // The AppHost stops api, worker and Kafka in order, then DCP the servers.
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing into its folder; the temp folder is left for the OS to clean.
        }
    }
}
