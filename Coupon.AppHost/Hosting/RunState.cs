using System.Globalization;
using Coupon.AppHost.Servers;
using Microsoft.Extensions.Configuration;

namespace Coupon.AppHost.Hosting;

// What a running AppHost knows about its resources: configuration, the state folder, the local
// servers it started and the ports of its projects. Value providers read from it.
public sealed class RunState(IConfiguration configuration, StateFolder state, ServerContext servers)
{
    private readonly Dictionary<ServerResource, ILocalServer> _localServers = [];
    private readonly Dictionary<ProjectResource, int> _ports = [];

    public IConfiguration Configuration { get; } = configuration;

    public StateFolder State { get; } = state;

    public ServerContext Servers { get; } = servers;

    public string DataFolder(string resource) => State.DataFolder(resource);

    public string? ConfiguredConnectionString(string name) =>
        Configuration.GetConnectionString(name) is { Length: > 0 } configured ? configured : null;

    public string ParameterValue(ParameterResource parameter) =>
        Configuration[$"Parameters:{parameter.Name}"] is { Length: > 0 } configured
            ? configured
            : State.Secret(parameter.Name, parameter.Generate);

    public void AddLocalServer(ServerResource resource, ILocalServer server) => _localServers[resource] = server;

    public ILocalServer? LocalServer(ServerResource resource) => _localServers.GetValueOrDefault(resource);

    public string ServerConnectionString(ServerResource server) =>
        ConfiguredConnectionString(server.Name)
        ?? _localServers.GetValueOrDefault(server)?.ConnectionString
        ?? throw new InvalidOperationException($"'{server.Name}' has neither ConnectionStrings:{server.Name} nor a local server.");

    public int ProjectPort(ProjectResource project)
    {
        if (!_ports.TryGetValue(project, out var port))
        {
            port = _ports[project] = FreePort.Next();
        }
        return port;
    }

    public string ProjectUrl(ProjectResource project) =>
        string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{ProjectPort(project)}");
}
