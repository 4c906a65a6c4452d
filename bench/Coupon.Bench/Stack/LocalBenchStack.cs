using System.Security.Cryptography;
using Coupon.AppHost.Servers;
using Coupon.Core.Auth;

namespace Coupon.Bench.Stack;

// Redis, MariaDB and the embedded Kafka started with the AppHost's server starters in a temporary
// folder, and the api and worker built in this configuration (Release for `dotnet run -c Release`),
// run as `dotnet <dll>` like the AppHost runs them. Everything stops with it.
public sealed class LocalBenchStack : IBenchStack, IAsyncDisposable
{
    private const string Database = "coupondb";
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(90);

    private readonly DirectoryInfo _folder;
    private readonly ServerContext _context;
    private readonly RedisServer _redis;
    private readonly MariaDbServer _mysql;
    private ChildProcess? _kafka;
    private ProjectProcess? _api;
    private ProjectProcess? _worker;
    private string? _strategy;

    private LocalBenchStack(DirectoryInfo folder, ServerContext context)
    {
        _folder = folder;
        _context = context;
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        _redis = new RedisServer(Path.Combine(folder.FullName, "redis"), password, context);
        _mysql = new MariaDbServer(Path.Combine(folder.FullName, "mysql"), password, [Database], context);
    }

    public TokenSigning Signing { get; } = TokenSigning.Generate();

    public string MySqlConnectionString => _mysql.DatabaseConnectionString(Database);

    public string KafkaBootstrapServers { get; private set; } = "";

    public Uri ApiAddress => _api?.BaseAddress ?? throw new InvalidOperationException("The api is not running.");

    public IReadOnlyDictionary<string, int> Processes => new Dictionary<string, int?>
        {
            ["api"] = _api?.Process.Id,
            ["worker"] = _worker?.Process.Id,
            ["redis"] = _redis.Process?.Id,
            ["mysql"] = _mysql.Process?.Id,
            ["kafka"] = _kafka?.Id,
        }
        .Where(p => p.Value is not null)
        .ToDictionary(p => p.Key, p => p.Value!.Value);

    public static async Task<LocalBenchStack> StartAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("coupon-bench-");
        var bootstrap = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new ServerContext(ServerBinaries.DefaultSearchPath, (resource, line) =>
        {
            if (resource == "kafka" && line.StartsWith(KafkaServerCommand.BootstrapPrefix, StringComparison.Ordinal))
                bootstrap.TrySetResult(line[KafkaServerCommand.BootstrapPrefix.Length..]);
        }, new ProcessLedger(Path.Combine(folder.FullName, "pids")));

        var stack = new LocalBenchStack(folder, context);
        try
        {
            log.WriteLine($"Starting redis, mysql and kafka in {folder.FullName} ...");
            await Task.WhenAll(stack._redis.StartAsync(cancellationToken), stack._mysql.StartAsync(cancellationToken));
            stack._kafka = context.Start(new ChildProcessSpec("kafka", DotnetHost.Path,
                [typeof(KafkaServerCommand).Assembly.Location, KafkaServerCommand.Command],
                folder.FullName, new Dictionary<string, string?>()));
            stack.KafkaBootstrapServers = await bootstrap.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await HealthProbes.WaitUntilHealthyAsync("kafka", ct => HealthProbes.KafkaAsync(stack.KafkaBootstrapServers, ct),
                TimeSpan.FromSeconds(30), stack._kafka, cancellationToken);

            log.WriteLine("Starting api and worker (Release build) ...");
            await stack.UseStrategyAsync(null, cancellationToken);
            stack._worker = await ProjectProcess.StartAsync("worker", new Projects.Coupon_Worker().AssemblyPath,
                FreePort.Next(), stack.ProjectEnvironment(null), context, HealthTimeout, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public async Task UseStrategyAsync(string? strategy, CancellationToken cancellationToken)
    {
        if (_api is not null && strategy == _strategy)
            return;
        if (_api is not null)
            await _api.StopAsync();
        _api = null;
        _api = await ProjectProcess.StartAsync("api", new Projects.Coupon_Api().AssemblyPath, FreePort.Next(),
            ProjectEnvironment(strategy), _context, HealthTimeout, cancellationToken);
        _strategy = strategy;
    }

    // What the AppHost gives api and worker, in Production (the benchmark measures a release
    // deployment, not the development conveniences), plus the benchmark-only strategy switch.
    private Dictionary<string, string?> ProjectEnvironment(string? strategy)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__kafka"] = KafkaBootstrapServers,
            ["ConnectionStrings__coupondb"] = MySqlConnectionString,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Coupon__Benchmark__IssueStrategy"] = strategy,
        };
        foreach (var (key, value) in Signing.ToEnvironment())
            environment[key] = value;
        return environment;
    }

    public async ValueTask DisposeAsync()
    {
        // The api first (no new events), then the worker drains, then the servers.
        if (_api is not null)
            await _api.StopAsync();
        if (_worker is not null)
            await _worker.StopAsync();
        if (_kafka is not null)
            await _kafka.StopAsync(TimeSpan.FromSeconds(10));
        await _mysql.StopAsync();
        await _redis.StopAsync();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing into its folder; the temp folder is left for the OS to clean.
        }
    }
}
