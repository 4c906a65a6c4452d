using Coupon.AppHost.Servers;
using Coupon.Core.Auth;

namespace Coupon.Tests.Fixture;

// One Redis, one MariaDB (database coupondb) and one embedded Kafka (topics coupon-issued with 8
// partitions and coupon-issued.dlq) for the whole test run, in a temporary folder on free
// 127.0.0.1 ports, started by the same code as the AppHost's.
//
//   Redis / MySql / Kafka       the servers: Redis.StopAsync/StartAsync/RestartEmptyAsync,
//                               MySql.StopAsync/StartAsync, Kafka.SetBrokerDown/PushRequestErrors/…
//   RedisConnectionString, KafkaBootstrapServers, CouponDbConnectionString
//   Tokens                      the TokenSigning api and admin trust (user and operator JWTs)
//   OperatorPassword            the admin console's password for Secrets.OperatorUserName
//   StartProjectAsync(project, extraEnvironment)
//                               a new api/worker/admin child process with the AppHost's environment
//                               (plus extraEnvironment; a null value removes a variable), /health
//                               passed; the handle has BaseAddress, Kill(), StopAsync(),
//                               RecentOutput(). Dispose it (await using) when the test is done.
//   EnvironmentOfAsync(project) the variables StartProjectAsync gives (the AppHost's, pointed at
//                               the fixture's servers)
//   SharedProjectsAsync()       an api + worker pair started on first use and kept for the run,
//                               for tests that do not break them (restarted if one has exited).
//
// A test that stops a server or injects a fault puts it back before it ends. The fixture stops
// everything on dispose; children die with the test process even when it is killed.
public sealed class StackFixture : IAsyncLifetime
{
    public const string CouponDatabase = "coupondb";

    private static readonly TimeSpan ProjectHealthTimeout = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("coupon-tests-").FullName;
    private readonly List<ProjectProcess> _projects = [];
    private readonly SemaphoreSlim _sharedLock = new(1, 1);
    private SharedProjects? _shared;

    public StackFixture()
    {
        Context = new ServerContext(ServerBinaries.DefaultSearchPath, StackOutputLog.Output, new ProcessLedger(Path.Combine(_folder, "pids")));
        Redis = new RedisServer(Path.Combine(_folder, "redis"), Secrets.NewPassword(), Context);
        MySql = new MariaDbServer(Path.Combine(_folder, "mysql"), Secrets.NewPassword(), [CouponDatabase], Context);
    }

    public ServerContext Context { get; }

    public RedisServer Redis { get; }

    public MariaDbServer MySql { get; }

    public EmbeddedKafka Kafka { get; } = new();

    public TokenSigning Tokens { get; } = TokenSigning.Generate();

    // The admin console's operator (user name Secrets.OperatorUserName).
    public string OperatorPassword { get; } = Secrets.NewPassword();

    public string RedisConnectionString => Redis.ConnectionString;

    public string KafkaBootstrapServers => Kafka.BootstrapServers;

    public string CouponDbConnectionString => MySql.DatabaseConnectionString(CouponDatabase);

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Kafka.StartAsync(), Redis.StartAsync(), MySql.StartAsync());
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_projects.Select(project => project.StopAsync(TimeSpan.FromSeconds(10))));
        await Task.WhenAll(Redis.StopAsync(), MySql.StopAsync(), Kafka.StopAsync());
        Directory.Delete(_folder, recursive: true);
    }

    public async Task<ProjectProcess> StartProjectAsync(CouponProject project, IReadOnlyDictionary<string, string?>? extraEnvironment = null)
    {
        var environment = new Dictionary<string, string?>(await EnvironmentOfAsync(project));
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }
        var name = project.ToString().ToLowerInvariant();
        var process = await ProjectProcess.StartAsync(name, project.AssemblyPath(), FreePort.Next(), environment, Context, ProjectHealthTimeout);
        lock (_projects)
        {
            _projects.Add(process);
        }
        return process;
    }

    public async Task<SharedProjects> SharedProjectsAsync()
    {
        await _sharedLock.WaitAsync();
        try
        {
            if (_shared is null || _shared.Api.HasExited || _shared.Worker.HasExited)
            {
                if (_shared is not null)
                {
                    await Task.WhenAll(_shared.Api.StopAsync(), _shared.Worker.StopAsync());
                }
                var api = await StartProjectAsync(CouponProject.Api);
                var worker = await StartProjectAsync(CouponProject.Worker);
                _shared = new SharedProjects(api, worker);
            }
            return _shared;
        }
        finally
        {
            _sharedLock.Release();
        }
    }

    // The variables the AppHost gives each project (SHARED-DESIGN.md, "Environment each project
    // receives"; a hosting test compares them with the AppHost's). The admin's api is the shared one.
    public async Task<IReadOnlyDictionary<string, string?>> EnvironmentOfAsync(CouponProject project)
    {
        var servers = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = RedisConnectionString,
            ["ConnectionStrings__kafka"] = KafkaBootstrapServers,
            ["ConnectionStrings__coupondb"] = CouponDbConnectionString,
        };
        var tokens = Tokens.ToEnvironment().ToDictionary(pair => pair.Key, pair => (string?)pair.Value);
        return project switch
        {
            CouponProject.Api => new Dictionary<string, string?>(servers.Concat(tokens)),
            CouponProject.Worker => servers,
            _ => new Dictionary<string, string?>(tokens)
            {
                ["services__api__http__0"] = (await SharedProjectsAsync()).Api.BaseAddress.ToString().TrimEnd('/'),
                ["Admin__Operator__UserName"] = Secrets.OperatorUserName,
                ["Admin__Operator__Password"] = OperatorPassword,
            },
        };
    }
}

public sealed record SharedProjects(ProjectProcess Api, ProjectProcess Worker);

public enum CouponProject
{
    Api,
    Worker,
    Admin,
}

public static class CouponProjectPaths
{
    public static string AssemblyPath(this CouponProject project) => project switch
    {
        CouponProject.Api => new Projects.Coupon_Api().AssemblyPath,
        CouponProject.Worker => new Projects.Coupon_Worker().AssemblyPath,
        _ => new Projects.Coupon_Admin().AssemblyPath,
    };
}
