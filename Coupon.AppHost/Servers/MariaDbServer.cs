using System.Globalization;
using MySqlConnector;

namespace Coupon.AppHost.Servers;

// A local mariadbd (Debian's MySQL-compatible server) in its own folder, on its own port, socket and
// pid file, so a system MariaDB on 3306 does not matter. The data folder is created with
// mariadb-install-db on first start; root then gets the generated password. The databases are
// created when missing.
public sealed class MariaDbServer(string folder, string rootPassword, IReadOnlyList<string> databases, ServerContext context)
    : ILocalServer
{
    public const string Program = "mariadbd";
    public const string InstallProgram = "mariadb-install-db";
    public const string DebianPackage = "mariadb-server";

    // The key that points at an external server instead (the application's database).
    private const string ConnectionStringName = "coupondb";

    private readonly string _program = ServerBinaries.Find(Program, DebianPackage, ConnectionStringName, context.SearchPath);
    private readonly string _installProgram = ServerBinaries.Find(InstallProgram, DebianPackage, ConnectionStringName, context.SearchPath);
    private ChildProcess? _process;

    public int Port { get; } = FreePort.Next();

    public string RootPassword => rootPassword;

    private string DataDirectory => Path.Combine(folder, "data");

    // Written once root has its password: a data folder without it is a half-done first start.
    private string InitialisedMarker => Path.Combine(folder, "initialised");

    private string Socket => Path.Combine(folder, "mysqld.sock");

    // Its own, not /tmp: temporary tables of concurrent installs in one folder collide.
    private string TempDirectory => Path.Combine(folder, "tmp");

    // The server without a database, as Aspire's mysql resource exposes it.
    public string ConnectionString =>
        $"Server=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};User ID=root;Password={rootPassword}";

    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string DatabaseConnectionString(string database) => $"{ConnectionString};Database={database}";

    public ChildProcess? Process => _process;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var firstStart = !File.Exists(InitialisedMarker);
        if (firstStart)
        {
            await InstallAsync(cancellationToken);
        }
        Directory.CreateDirectory(TempDirectory);
        string[] arguments =
        [
            "--no-defaults",
            $"--datadir={DataDirectory}",
            $"--port={Port.ToString(CultureInfo.InvariantCulture)}",
            "--bind-address=127.0.0.1",
            $"--socket={Socket}",
            $"--pid-file={Path.Combine(folder, "mysqld.pid")}",
            "--skip-name-resolve",
            $"--tmpdir={TempDirectory}",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=64M",
            "--innodb-log-file-size=32M",
            // A development and test server: an OS crash may lose the last second, a process crash nothing.
            "--innodb-flush-log-at-trx-commit=2",
            "--max-connections=500",
            .. RunAsRoot,
        ];
        _process = context.Start(new ChildProcessSpec("mysql", _program, arguments, folder, new Dictionary<string, string?>()));
        if (firstStart)
        {
            await HealthProbes.WaitUntilHealthyAsync("mysql", SetRootPasswordAsync, TimeSpan.FromSeconds(60), _process, cancellationToken);
            await File.WriteAllTextAsync(InitialisedMarker, "", cancellationToken);
        }
        await HealthProbes.WaitUntilHealthyAsync("mysql", CreateDatabasesAsync, TimeSpan.FromSeconds(60), _process, cancellationToken);
    }

    // SIGTERM: a clean InnoDB shutdown.
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(30));
            _process = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    // mariadbd refuses to run as root unless told to; staying root also keeps the parent-death
    // signal, which the kernel clears when a process changes its user.
    private static string[] RunAsRoot => Environment.IsPrivilegedProcess ? ["--user=root"] : [];

    private async Task InstallAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(TempDirectory);
        string[] arguments =
        [
            "--no-defaults",
            $"--datadir={DataDirectory}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            $"--tmpdir={TempDirectory}",
            "--innodb-log-file-size=32M",
            .. RunAsRoot,
        ];
        // Its long advice text is only worth showing when it fails.
        var quiet = context with { Output = (_, _) => { } };
        var install = quiet.Start(new ChildProcessSpec("mysql-install", _installProgram, arguments, folder, new Dictionary<string, string?>()));
        var exitCode = await install.Exited.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"{InstallProgram} failed with exit code {exitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, install.RecentOutput())}");
        }
    }

    // The fresh root has no password and may only come in through the socket.
    private async Task SetRootPasswordAsync(CancellationToken cancellationToken)
    {
        var socket = new MySqlConnectionStringBuilder
        {
            Server = Socket,
            ConnectionProtocol = MySqlConnectionProtocol.UnixSocket,
            UserID = "root",
            Pooling = false,
        };
        await ExecuteAsync(socket.ConnectionString,
            $"""
            CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
            ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{rootPassword}';
            GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
            ALTER USER 'root'@'localhost' IDENTIFIED BY '{rootPassword}';
            """,
            cancellationToken);
    }

    private Task CreateDatabasesAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(ConnectionString,
            string.Concat(databases.Select(database => $"CREATE DATABASE IF NOT EXISTS `{database}`;")) + "SELECT 1;",
            cancellationToken);

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { ConnectionTimeout = 2, Pooling = false };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
