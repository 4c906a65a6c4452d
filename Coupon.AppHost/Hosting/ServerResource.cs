using Coupon.AppHost.Servers;

namespace Coupon.AppHost.Hosting;

// A server resource (Aspire's container resources): started on this machine unless
// ConnectionStrings:<name> points at an external one.
public abstract class ServerResource(string name) : Resource(name)
{
    // The package that provides the local server's programs; null when nothing is to install.
    public abstract string? DebianPackage { get; }

    internal virtual bool IsExternal(RunState state) => state.ConfiguredConnectionString(Name) is not null;

    // Throws MissingServerBinaryException when the programs are not installed.
    internal abstract ILocalServer CreateLocalServer(RunState state);

    // The WaitFor health check, against the local or the external server.
    internal abstract Task ProbeAsync(string connectionString, CancellationToken cancellationToken);

    // The configured connection string, else the local server's.
    public string GetConnectionString(RunState state) => state.ServerConnectionString(this);
}
