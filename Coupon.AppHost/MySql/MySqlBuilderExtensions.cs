using Coupon.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.AppHost.MySql;

// The application's database on a MySQL server, one method per kind of server. Each server holds
// the one database here, so each method adds both (the container's image creates exactly one).
public static class MySqlBuilderExtensions
{
    private const string DebianPackage = "mariadb-server";
    private const int MySqlPort = 3306;

    // A database given by ConnectionStrings:<name> on a server elsewhere: nothing starts.
    public static IResourceBuilder<IResourceWithConnectionString> AddExternalMySqlDatabase(this IDistributedApplicationBuilder builder, string name)
    {
        var external = builder.Configuration.GetConnectionString(name);
        return builder.AddConnectionString(name).WithHealthCheck(MySqlPing.Add(builder, name, () => external));
    }

    // What Aspire's MySQL integration deploys, for the manifest: its container, whose image creates
    // the database and its user on the first start.
    public static IResourceBuilder<MySqlDatabaseResource> AddMySqlContainerDatabase(
        this IDistributedApplicationBuilder builder, string serverName, string databaseName)
    {
        var rootPassword = builder.AddServerPassword($"{serverName}-password");
        var userPassword = builder.AddServerPassword($"{databaseName}-password");
        var container = new ServerContainerResource(serverName, endpoint => MySqlConnectionStrings.For(endpoint, "root", rootPassword.Resource));
        builder.AddResource(container)
            .WithImage("library/mysql", "9.6").WithImageRegistry("docker.io")
            .WithEndpoint(port: null, targetPort: MySqlPort, scheme: "tcp", name: ServerContainerResource.PrimaryEndpointName)
            .WithVolume($"coupon.apphost-{serverName}-data", "/var/lib/mysql")
            .WithEnvironment("MYSQL_ROOT_PASSWORD", rootPassword)
            .WithEnvironment("MYSQL_DATABASE", databaseName)
            .WithEnvironment("MYSQL_USER", MySqlDatabaseResource.ApplicationUser)
            .WithEnvironment("MYSQL_PASSWORD", userPassword);
        return builder.AddResource(new MySqlDatabaseResource(databaseName, container, container.PrimaryEndpoint, userPassword.Resource));
    }

    // A local mariadbd (MariaDbServerResource) and the database on it, each with its health check.
    public static IResourceBuilder<MySqlDatabaseResource> AddMariaDbDatabase(
        this IDistributedApplicationBuilder builder, string serverName, string databaseName)
    {
        var server = new MariaDbServerResource(serverName,
            ServerProgram.Find(builder, "mariadbd", DebianPackage, databaseName),
            ServerProgram.Find(builder, "mariadb-install-db", DebianPackage, databaseName),
            builder.DataFolder(serverName), builder.AddServerPassword($"{serverName}-password").Resource);
        var database = new MySqlDatabaseResource(databaseName, server, server.PrimaryEndpoint, builder.AddServerPassword($"{databaseName}-password").Resource);
        server.Databases.Add(database);

        string? serverConnectionString = null;
        string? databaseConnectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, cancellationToken) =>
        {
            serverConnectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken);
            databaseConnectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken);
        });
        builder.AddMariaDbServer(server).WithHealthCheck(MySqlPing.Add(builder, serverName, () => serverConnectionString));
        // The database is as running as its server; its own health check then tells when it is ready.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, (ready, _) =>
            ready.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, state => state with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            }));
        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "MySqlDatabase", State = KnownResourceStates.NotStarted, Properties = [] })
            .WithHealthCheck(MySqlPing.Add(builder, databaseName, () => databaseConnectionString))
            .WithIconName("DatabaseStack");
    }

    // The server's folders and init file before each start, then mariadbd on loopback.
    private static IResourceBuilder<MariaDbServerResource> AddMariaDbServer(this IDistributedApplicationBuilder builder, MariaDbServerResource server)
    {
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (started, cancellationToken) =>
        {
            var logger = started.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
            await PreviousServer.WaitForExitAsync(server.PidFile, server.Command, logger, cancellationToken);
            await server.InstallWhenMissingAsync(logger, cancellationToken);
            Directory.CreateDirectory(server.TempDirectory);
            Directory.CreateDirectory(server.FilesDirectory);
            await server.WriteInitFileAsync(cancellationToken);
        });

        var endpoint = server.PrimaryEndpoint;
        return builder.AddResource(server)
            .WithLoopbackTcpEndpoint(MariaDbServerResource.PrimaryEndpointName)
            .WithArgs(context =>
            {
                context.Args.Add("--no-defaults");
                context.Args.Add($"--datadir={server.DataDirectory}");
                context.Args.Add(ReferenceExpression.Create($"--port={endpoint.Property(EndpointProperty.TargetPort)}"));
                foreach (var setting in (string[])
                [
                    "--bind-address=127.0.0.1", $"--socket={server.Socket}", $"--pid-file={server.PidFile}",
                    $"--tmpdir={server.TempDirectory}", $"--secure-file-priv={server.FilesDirectory}", $"--init-file={server.InitFile}",
                    "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=32M",
                    // A development server: an OS crash may lose the last second, a process crash nothing.
                    "--innodb-flush-log-at-trx-commit=2", "--max-connections=500", .. MariaDbServerResource.RunAsRoot,
                ])
                {
                    context.Args.Add(setting);
                }
            })
            .WithIconName("Database");
    }
}
