using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Coupon.Testing;
using Coupon.AppHost.Hosting;
using Coupon.AppHost.Kafka;
using Coupon.AppHost.Redis;
using Coupon.Bench.Stack;
using Coupon.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.Tests.Fixture;

// The real AppHost, started once for the test run by Aspire.Hosting.Testing with its state in a
// temporary folder and its parameters chosen here (so the tests can sign tokens and sign in):
// redis, kafka, mysql/coupondb, api, worker and admin, as `dotnet run --project Coupon.AppHost`
// runs them, plus the dashboard receiving their telemetry.
//
//   App                         the running DistributedApplication
//   RedisConnectionString, KafkaBootstrapServers, CouponDbConnectionString, MySqlRootConnectionString
//   Kafka                       the embedded cluster inside the kafka resource (fault injection)
//   Tokens, OperatorPassword    what api and admin trust
//   StopResourceAsync/StartResourceAsync(name), RestartRedisEmptyAsync()
//                               faults through Aspire's own resource commands
//   SharedProjectsAsync()       the AppHost's api and worker, restarted first if a test killed one
//   StartReconcilingWorkerAsync(grace)
//                               the only worker, reconciling every second after a short grace
//   StartProjectAsync(project, extraEnvironment)
//                               one of the spare copies of api/worker/admin that the fixture adds
//                               to the model with the AppHost's own AddApi/AddWorker/AddAdmin
//                               (explicit start), or of the bench's comparison server, started
//                               with extra variables (null removes one); dispose the handle to stop it.
//
// A test that stops a resource or injects a fault puts it back before it ends.
public sealed class StackFixture : IAsyncLifetime
{
    public const string CouponDatabase = "coupondb";
    private const int SparesPerProject = 2;

    private static readonly TimeSpan StartTimeout = CouponAppHost.StartTimeout;

    // The api's demo flash sale command, a few seconds long here (DemoFlashSaleTests).
    public static readonly (int Users, int Quantity, int Seconds) DemoSale = (300, 100, 3);

    private readonly string _state = Directory.CreateTempSubdirectory("coupon-tests-").FullName;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string?>> _spareEnvironment = [];
    private readonly Dictionary<string, bool> _sparesInUse = [];
    private readonly Lock _spares = new();
    private readonly SemaphoreSlim _sharedLock = new(1, 1);

    public DistributedApplication App { get; private set; } = null!;

    public AppHostSecrets Secrets { get; } = AppHostSecrets.Generate();

    public DevelopmentTokenKeys Tokens => Secrets.Tokens;

    public string OperatorPassword => Secrets.OperatorPassword;

    public string RedisConnectionString { get; private set; } = "";

    public string KafkaBootstrapServers { get; private set; } = "";

    public string CouponDbConnectionString { get; private set; } = "";

    public string MySqlRootConnectionString { get; private set; } = "";

    public EmbeddedKafka Kafka => App.Services.GetRequiredService<EmbeddedKafkaResource>().Cluster;

    public ResourceLoggerService Loggers => App.Services.GetRequiredService<ResourceLoggerService>();

    public ResourceNotificationService Notifications => App.Services.GetRequiredService<ResourceNotificationService>();

    public async Task InitializeAsync()
    {
        var builder = await CouponAppHost.CreateAsync(_state, Secrets, dashboard: true, settings:
        [
            $"--AppHost:DemoFlashSale:Users={DemoSale.Users}",
            $"--AppHost:DemoFlashSale:Quantity={DemoSale.Quantity}",
            $"--AppHost:DemoFlashSale:Seconds={DemoSale.Seconds}",
        ]);
        foreach (var project in Enum.GetValues<CouponProject>())
        {
            for (var spare = 1; spare <= SparesPerProject; spare++)
                AddSpare(builder, project, $"{project.ResourceName()}-spare-{spare}");
        }
        App = await CouponAppHost.StartAsync(builder);

        RedisConnectionString = await ConnectionStringAsync("redis");
        KafkaBootstrapServers = await ConnectionStringAsync("kafka");
        CouponDbConnectionString = await ConnectionStringAsync(CouponDatabase);
        MySqlRootConnectionString = await ConnectionStringAsync("mysql");
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    public Uri EndpointOf(string resource) => App.GetEndpoint(resource, "http");

    public RedisServerResource RedisResource =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<RedisServerResource>().Single();

    // False when it is still running half a minute after Aspire was asked to stop it.
    public async Task<bool> TryStopResourceAsync(string resource)
    {
        await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand);
        try
        {
            await Notifications.WaitForResourceAsync(resource, [KnownResourceStates.Exited, KnownResourceStates.Finished]).WaitAsync(TimeSpan.FromSeconds(30));
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public Task StopResourceAsync(string resource) => CommandAsync(resource, KnownResourceCommands.StopCommand, KnownResourceStates.Exited, KnownResourceStates.Finished);

    public async Task StartResourceAsync(string resource)
    {
        await CommandAsync(resource, KnownResourceCommands.StartCommand, KnownResourceStates.Running);
        await Notifications.WaitForResourceHealthyAsync(resource).WaitAsync(StartTimeout);
    }

    // A crash that loses everything: what a failover to an empty replica leaves.
    public async Task RestartRedisEmptyAsync()
    {
        await StopResourceAsync("redis");
        foreach (var entry in new DirectoryInfo(RedisResource.DataFolder).EnumerateFileSystemInfos().Where(entry => entry.Name != "password.conf"))
        {
            if (entry is DirectoryInfo folder)
                folder.Delete(recursive: true);
            else
                entry.Delete();
        }
        await StartResourceAsync("redis");
    }

    // The AppHost's api and worker; one a test killed or stopped is started again first.
    public async Task<SharedProjects> SharedProjectsAsync()
    {
        await _sharedLock.WaitAsync();
        try
        {
            foreach (var name in (string[])["api", "worker"])
            {
                if (!IsRunning(name))
                    await StartResourceAsync(name);
                else
                    await Notifications.WaitForResourceHealthyAsync(name).WaitAsync(StartTimeout);
            }
            return new SharedProjects(new ProjectHandle(this, "api"), new ProjectHandle(this, "worker"));
        }
        finally
        {
            _sharedLock.Release();
        }
    }

    public async Task<ProjectHandle> StartProjectAsync(CouponProject project, IReadOnlyDictionary<string, string?>? extraEnvironment = null)
    {
        string name;
        lock (_spares)
        {
            name = _sparesInUse.First(spare => spare.Key.StartsWith($"{project.ResourceName()}-spare-", StringComparison.Ordinal) && !spare.Value).Key;
            _sparesInUse[name] = true;
            _spareEnvironment[name] = extraEnvironment ?? new Dictionary<string, string?>();
        }
        await StartResourceAsync(name);
        return new ProjectHandle(this, name, onStopped: () =>
        {
            lock (_spares)
                _sparesInUse[name] = false;
        });
    }

    // A worker that reconciles every second with a short grace, as the only worker: the shared
    // one (which would hold the reconciler's lock) is stopped, and comes back on next use.
    public async Task<ProjectHandle> StartReconcilingWorkerAsync(TimeSpan grace, IReadOnlyDictionary<string, string?>? extraEnvironment = null)
    {
        await (await SharedProjectsAsync()).Worker.StopAsync();
        return await StartProjectAsync(CouponProject.Worker, new Dictionary<string, string?>(extraEnvironment ?? new Dictionary<string, string?>())
        {
            ["Worker__ReconcileInterval"] = "00:00:01",
            ["Worker__ReconcileGrace"] = grace.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    // The process DCP started for the resource (for a project, the `dotnet run` that hosts it).
    public int ProcessIdOf(string resource) =>
        (Notifications.TryGetCurrentState(resource, out var current) ? ResourcePid.Of(current.Snapshot) : null)
            ?? throw new InvalidOperationException($"{resource} has no process.");

    public bool IsRunning(string resource) =>
        Notifications.TryGetCurrentState(resource, out var current) && current.Snapshot.State?.Text == KnownResourceStates.Running;

    // Waits for the state the command leads to even when the command reports a failure: a stop
    // whose process takes longer than Aspire waits to exit (a worker finishing its batch) still
    // ends it, and stopping what a test has already killed leaves it as wanted.
    private async Task CommandAsync(string resource, string command, params string[] states)
    {
        var result = await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command);
        try
        {
            await Notifications.WaitForResourceAsync(resource, states).WaitAsync(StartTimeout);
        }
        catch (TimeoutException) when (!result.Success)
        {
            Assert.Fail($"{command} on {resource}: {result.Message}");
        }
    }

    private async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string.");

    // A copy of the AppHost's project, added by the AppHost's own method with the same servers and
    // parameters, which starts only when a test asks for it, with that test's extra variables on top.
    private void AddSpare(IDistributedApplicationTestingBuilder builder, CouponProject project, string name)
    {
        var servers = CouponServers.In(builder);
        var api = builder.CreateResourceBuilder<ProjectResource>("api");
        var spare = project switch
        {
            CouponProject.Api => builder.AddApi(name, servers),
            CouponProject.Worker => builder.AddWorker(name, servers, api),
            CouponProject.LockStrategies => builder.AddLockStrategyServer(name),
            _ => builder.AddAdmin(name, api, builder.CreateResourceBuilder<ParameterResource>(DevelopmentTokens.OperatorKeyName),
                builder.CreateResourceBuilder<ParameterResource>(DevelopmentTokens.OperatorPasswordName)),
        };
        // Not behind DCP's proxy: the admin throttles sign-in per client address, and the tests
        // must reach it from several (the proxy would connect from 127.0.0.1 for all).
        spare.WithEndpoint("http", endpoint => endpoint.IsProxied = project != CouponProject.Admin)
            .WithExplicitStart()
            // After the AppHost's variables, so the extra ones win (null removes one).
            .WithEnvironment(context =>
            {
                IReadOnlyDictionary<string, string?> extra;
                lock (_spares)
                    extra = _spareEnvironment.GetValueOrDefault(name) ?? new Dictionary<string, string?>();
                foreach (var (key, value) in extra)
                {
                    if (value is null)
                        context.EnvironmentVariables.Remove(key);
                    else
                        context.EnvironmentVariables[key] = value;
                }
            });
        lock (_spares)
            _sparesInUse[name] = false;
    }
}

public sealed record SharedProjects(ProjectHandle Api, ProjectHandle Worker);

public enum CouponProject
{
    Api,
    Worker,
    Admin,
    // The bench's comparison server (bench/Coupon.Bench.LockStrategies).
    LockStrategies,
}

public static class CouponProjectNames
{
    public static string ResourceName(this CouponProject project) => project.ToString().ToLowerInvariant();
}
