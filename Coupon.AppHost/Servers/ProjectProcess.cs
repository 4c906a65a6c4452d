using System.Globalization;

namespace Coupon.AppHost.Servers;

// One of Coupon's projects running as `dotnet <built dll>`, the way the AppHost and the test
// fixture start api, worker and admin.
public sealed class ProjectProcess : IAsyncDisposable
{
    private ProjectProcess(ChildProcess process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
    }

    public ChildProcess Process { get; }

    public string Name => Process.Name;

    // http://127.0.0.1:port/ where the project listens (its /health, /metrics and API).
    public Uri BaseAddress { get; }

    public bool HasExited => Process.HasExited;

    // Starts the project with the environment Aspire gives a project (ASPNETCORE_URLS on the given
    // loopback port, Development, OpenTelemetry resource names) plus the given variables, and waits
    // for its /health.
    public static async Task<ProjectProcess> StartAsync(
        string name,
        string assemblyPath,
        int port,
        IReadOnlyDictionary<string, string?> environment,
        ServerContext context,
        TimeSpan healthTimeout,
        CancellationToken cancellationToken = default)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException($"The build output of '{name}' is missing: {assemblyPath}. Build the solution first.", assemblyPath);
        }
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var variables = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/'),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={name}-{Guid.NewGuid():N}",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (key, value) in environment)
        {
            variables[key] = value;
        }
        var spec = new ChildProcessSpec(name, DotnetHost.Path, [assemblyPath], Path.GetDirectoryName(assemblyPath)!, variables);
        var process = context.Start(spec);
        var project = new ProjectProcess(process, baseAddress);
        try
        {
            await HealthProbes.WaitUntilHealthyAsync(name, ct => HealthProbes.HttpAsync(baseAddress, ct), healthTimeout, process, cancellationToken);
        }
        catch
        {
            process.Kill();
            throw;
        }
        return project;
    }

    public IReadOnlyList<string> RecentOutput() => Process.RecentOutput();

    // SIGKILL, as a crash.
    public void Kill() => Process.Kill();

    // SIGTERM: the host runs its graceful shutdown (the worker finishes its batch).
    public Task StopAsync(TimeSpan? grace = null) => Process.StopAsync(grace ?? TimeSpan.FromSeconds(30));

    public ValueTask DisposeAsync() => new(StopAsync());
}
