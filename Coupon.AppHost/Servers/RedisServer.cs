using System.Globalization;

namespace Coupon.AppHost.Servers;

// A local redis-server: loopback only, password, append-only file fsynced every second.
public sealed class RedisServer(string dataDirectory, string password, ServerContext context) : ILocalServer
{
    public const string Program = "redis-server";
    public const string DebianPackage = "redis-server";

    private readonly string _program = ServerBinaries.Find(Program, DebianPackage, "redis", context.SearchPath);
    private ChildProcess? _process;

    public int Port { get; } = FreePort.Next();

    public string Password => password;

    // StackExchange.Redis syntax, as Aspire injects it.
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},password={password}";

    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public ChildProcess? Process => _process;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(dataDirectory);
        string[] arguments =
        [
            "--bind", "127.0.0.1",
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--requirepass", password,
            "--dir", dataDirectory,
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--logfile", "",
        ];
        _process = context.Start(new ChildProcessSpec("redis", _program, arguments, dataDirectory, new Dictionary<string, string?>()));
        await HealthProbes.WaitUntilHealthyAsync("redis", ct => HealthProbes.RedisAsync(ConnectionString, ct),
            TimeSpan.FromSeconds(20), _process, cancellationToken);
    }

    // SIGTERM: redis fsyncs its append-only file and exits.
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(10));
            _process = null;
        }
    }

    // A crash that loses everything: the state a Redis failover to an empty replica leaves.
    public async Task RestartEmptyAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        Directory.Delete(dataDirectory, recursive: true);
        await StartAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
