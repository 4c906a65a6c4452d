namespace Coupon.AppHost.Hosting;

// A named part of the application (Aspire's IResource): a server, a database, a project or a
// parameter. What other resources do with it is recorded here by the builder extensions.
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    // WithReference: the resources whose connection string or endpoint this one receives.
    public List<Resource> References { get; } = [];

    // WaitFor: the resources that must be healthy before this one starts.
    public List<Resource> WaitsFor { get; } = [];

    // WithShutdownAfter: resources that must have stopped before this one is stopped.
    public List<Resource> ShutdownAfter { get; } = [];

    // WithEnvironment: extra variables.
    public Dictionary<string, IValueProvider> Environment { get; } = [];

    // Its entry in aspire-manifest.json.
    public abstract void WriteManifest(ManifestContext manifest);

    public override string ToString() => Name;
}

// A resource other resources connect to with a connection string (Aspire's
// IResourceWithConnectionString); WithReference injects it as ConnectionStrings__<name>.
public interface IResourceWithConnectionString
{
    string Name { get; }

    // The manifest's connectionString field, e.g. `{mysql.connectionString};Database=coupondb`.
    string ConnectionStringExpression { get; }

    string GetConnectionString(RunState state);
}

// How a referencing resource sees the connection string: `{name.connectionString}` in the manifest.
public sealed record ConnectionStringReference(IResourceWithConnectionString Resource) : IValueProvider
{
    public string ValueExpression => $"{{{Resource.Name}.connectionString}}";

    public string GetValue(RunState state) => Resource.GetConnectionString(state);
}

// A value known in the manifest as an expression and at run time as a string (Aspire's
// IManifestExpressionProvider and IValueProvider in one).
public interface IValueProvider
{
    string ValueExpression { get; }

    string GetValue(RunState state);
}

public sealed record LiteralValue(string Value) : IValueProvider
{
    public string ValueExpression => Value;

    public string GetValue(RunState state) => Value;
}
