using System.Diagnostics;
using Coupon.AppHost.Hosting;
using Microsoft.Extensions.Logging;

namespace Coupon.AppHost.MySql;

// MySQL as Debian's mariadbd (MariaDB 10.11, MySQL-compatible), where Aspire would run its MySQL
// container: its own data folder, port and socket, loopback only, LOAD DATA and SELECT … INTO
// OUTFILE confined to the data folder. The data folder is created with mariadb-install-db on the
// first start; at every start an init file (readable by the owner only) sets the passwords from
// the parameters and gives the application's user only what it needs on its database.
public sealed class MariaDbServerResource(string name, string program, string installProgram, string folder, ParameterResource rootPassword)
    : ExecutableResource(name, program, folder), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";

    public ParameterResource RootPasswordParameter { get; } = rootPassword;

    public string Folder { get; } = folder;

    public string DataDirectory => Path.Combine(Folder, "data");

    public string TempDirectory => Path.Combine(Folder, "tmp");

    public string FilesDirectory => Path.Combine(Folder, "files");

    public string Socket => Path.Combine(Folder, "mysqld.sock");

    public string InitFile => Path.Combine(Folder, "init.sql");

    public string PidFile => Path.Combine(Folder, "mysqld.pid");

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public List<MySqlDatabaseResource> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => MySqlConnectionStrings.For(PrimaryEndpoint, "root", RootPasswordParameter);

    internal async Task InstallWhenMissingAsync(ILogger logger, CancellationToken cancellationToken)
    {
        if (Directory.Exists(Path.Combine(DataDirectory, "mysql")))
            return;
        if (Directory.Exists(DataDirectory))
            Directory.Delete(DataDirectory, recursive: true);
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(TempDirectory);
        logger.LogInformation("Creating the data folder {DataDirectory} with mariadb-install-db", DataDirectory);
        var install = new ProcessStartInfo(installProgram) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--no-defaults", $"--datadir={DataDirectory}", "--auth-root-authentication-method=normal",
            "--skip-test-db", "--skip-name-resolve", $"--tmpdir={TempDirectory}", .. RunAsRoot])
        {
            install.ArgumentList.Add(argument);
        }
        using var process = Process.Start(install)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mariadb-install-db failed with exit code {process.ExitCode}: {await output}{await errors}");
        }
    }

    internal async Task WriteInitFileAsync(CancellationToken cancellationToken)
    {
        var root = await RootPasswordParameter.GetValueAsync(cancellationToken);
        List<string> statements =
        [
            $"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{root}';",
            $"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{root}';",
            "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;",
            $"ALTER USER 'root'@'localhost' IDENTIFIED BY '{root}';",
        ];
        foreach (var database in Databases)
        {
            var password = await database.PasswordParameter.GetValueAsync(cancellationToken);
            statements.AddRange(
            [
                $"CREATE DATABASE IF NOT EXISTS `{database.DatabaseName}`;",
                $"CREATE USER IF NOT EXISTS '{database.UserName}'@'127.0.0.1' IDENTIFIED BY '{password}';",
                $"ALTER USER '{database.UserName}'@'127.0.0.1' IDENTIFIED BY '{password}';",
                // Enough for the api's migrations and the application; no FILE, no other database.
                $"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES ON `{database.DatabaseName}`.* TO '{database.UserName}'@'127.0.0.1';",
            ]);
        }
        // mariadbd reads an init file one statement per line.
        await SecretFile.WriteAsync(InitFile, string.Join('\n', statements) + '\n', cancellationToken);
    }

    // mariadbd refuses to run as root unless told to.
    internal static string[] RunAsRoot => Environment.IsPrivilegedProcess ? ["--user=root"] : [];
}

// A database on the server with a user of its own, as the api and worker connect: never as root.
public sealed class MySqlDatabaseResource(string name, IResource server, EndpointReference endpoint, ParameterResource password)
    : Resource(name), IResourceWithParent, IResourceWithConnectionString
{
    public const string ApplicationUser = "coupon";

    public IResource Parent { get; } = server;

    public string DatabaseName => Name;

    public string UserName => ApplicationUser;

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{MySqlConnectionStrings.For(endpoint, UserName, PasswordParameter)};Database={DatabaseName}");
}

internal static class MySqlConnectionStrings
{
    public static ReferenceExpression For(EndpointReference endpoint, string user, ParameterResource password) =>
        ReferenceExpression.Create(
            $"Server={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};User ID={user};Password={password}");
}
