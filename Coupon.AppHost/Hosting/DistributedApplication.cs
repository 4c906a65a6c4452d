using Microsoft.Extensions.Configuration;

namespace Coupon.AppHost.Hosting;

// The built application (Aspire's DistributedApplication): runs the resources, or writes the
// manifest, or prints development tokens, as the command line asks.
public sealed class DistributedApplication
{
    private readonly AppHostArguments _arguments;
    private readonly IConfiguration _configuration;
    private readonly IReadOnlyList<Resource> _resources;

    internal DistributedApplication(AppHostArguments arguments, IConfiguration configuration, IReadOnlyList<Resource> resources)
    {
        _arguments = arguments;
        _configuration = configuration;
        _resources = resources;
    }

    public static IDistributedApplicationBuilder CreateBuilder(string[] args) =>
        new DistributedApplicationBuilder(AppHostArguments.Parse(args));

    public void Run() => Environment.ExitCode = RunAsync().GetAwaiter().GetResult();

    public Task<int> RunAsync() => _arguments.Command switch
    {
        AppHostCommand.PublishManifest => Task.FromResult(new ManifestPublisher(_configuration, _resources).Publish()),
        AppHostCommand.Token => Task.FromResult(new TokenCommand(_configuration, _resources).Run(_arguments.CommandArguments)),
        _ => new Orchestrator(_arguments, _configuration, _resources).RunAsync(),
    };
}
