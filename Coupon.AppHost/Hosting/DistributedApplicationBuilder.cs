using Microsoft.Extensions.Configuration;

namespace Coupon.AppHost.Hosting;

// Collects the application's resources (Aspire's IDistributedApplicationBuilder).
public interface IDistributedApplicationBuilder
{
    IConfiguration Configuration { get; }

    IReadOnlyList<Resource> Resources { get; }

    IResourceBuilder<T> AddResource<T>(T resource) where T : Resource;

    DistributedApplication Build();
}

internal sealed class DistributedApplicationBuilder(AppHostArguments arguments) : IDistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    // appsettings.json beside the AppHost, then environment variables, then the command line.
    public IConfiguration Configuration { get; } = new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(arguments.ConfigurationArguments)
        .Build();

    public IReadOnlyList<Resource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : Resource
    {
        if (_resources.Any(existing => existing.Name == resource.Name))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    public DistributedApplication Build() => new(arguments, Configuration, _resources);
}
