using Coupon.AppHost.Servers;

namespace Coupon.AppHost.Hosting;

// MySQL: a local mariadbd (Debian's MySQL-compatible server), or the server in
// ConnectionStrings:mysql. Its databases are separate resources.
public sealed class MySqlServerResource(string name, ParameterResource password) : ServerResource(name), IResourceWithConnectionString
{
    public const string Image = "docker.io/library/mysql:9.6";

    public ParameterResource Password { get; } = password;

    public List<MySqlDatabaseResource> Databases { get; } = [];

    public string ConnectionStringExpression =>
        $"Server={{{Name}.bindings.tcp.host}};Port={{{Name}.bindings.tcp.port}};User ID=root;Password={Password.ValueExpression}";

    public override string DebianPackage => MariaDbServer.DebianPackage;

    // A configured database connection string points at an external server as well.
    internal override bool IsExternal(RunState state) =>
        base.IsExternal(state) || Databases.Any(database => state.ConfiguredConnectionString(database.Name) is not null);

    internal override ILocalServer CreateLocalServer(RunState state) =>
        new MariaDbServer(state.DataFolder(Name), Password.GetValue(state), [.. Databases.Select(d => d.Name)], state.Servers);

    public override void WriteManifest(ManifestContext manifest)
    {
        manifest.WriteContainer(Image, ConnectionStringExpression);
        manifest.WriteVolume($"coupon.apphost-{Name}-data", "/var/lib/mysql");
        // The image creates MYSQL_DATABASE on first start, as the local server creates its databases.
        manifest.WriteEnvironment(
        [
            KeyValuePair.Create("MYSQL_ROOT_PASSWORD", Password.ValueExpression),
            .. Databases.Take(1).Select(database => KeyValuePair.Create("MYSQL_DATABASE", database.Name)),
        ]);
        manifest.WriteBindings([new ManifestBinding("tcp", "tcp", "tcp", TargetPort: 3306)]);
    }

    internal override Task ProbeAsync(string connectionString, CancellationToken cancellationToken) =>
        HealthProbes.MySqlAsync(connectionString, cancellationToken);
}

// A database on a MySQL server: `{server connection string};Database=<name>`, or
// ConnectionStrings:<name> when configured. The local server creates it when missing.
public sealed class MySqlDatabaseResource(string name, MySqlServerResource server) : Resource(name), IResourceWithConnectionString
{
    public MySqlServerResource Server { get; } = server;

    public string ConnectionStringExpression => $"{{{Server.Name}.connectionString}};Database={Name}";

    public string GetConnectionString(RunState state) =>
        state.ConfiguredConnectionString(Name) ?? $"{Server.GetConnectionString(state)};Database={Name}";

    public override void WriteManifest(ManifestContext manifest)
    {
        manifest.Writer.WriteString("type", "value.v0");
        manifest.Writer.WriteString("connectionString", ConnectionStringExpression);
    }
}

public static class MySqlBuilderExtensions
{
    public static IResourceBuilder<MySqlServerResource> AddMySql(this IDistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddParameter($"{name}-password").Resource;
        return builder.AddResource(new MySqlServerResource(name, password));
    }

    public static IResourceBuilder<MySqlDatabaseResource> AddDatabase(this IResourceBuilder<MySqlServerResource> server, string name)
    {
        var database = new MySqlDatabaseResource(name, server.Resource);
        server.Resource.Databases.Add(database);
        // The database lives on the server: it is ready after it and must go before it.
        database.References.Add(server.Resource);
        database.WaitsFor.Add(server.Resource);
        return server.ApplicationBuilder.AddResource(database);
    }
}
