using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Coupon.AppHost.Servers;
using Microsoft.Extensions.Configuration;

namespace Coupon.AppHost.Hosting;

// The run loop: starts every resource once what it waits for is healthy, prints where everything
// is, and on Ctrl+C or SIGTERM stops them in order (a resource stops after those that reference it
// and those it is told to shut down after).
internal sealed class Orchestrator(AppHostArguments arguments, IConfiguration configuration, IReadOnlyList<Resource> resources)
{
    public const string HealthTimeoutKey = "AppHost:HealthTimeoutSeconds";

    private static readonly TimeSpan ProjectStopGrace = TimeSpan.FromSeconds(30);

    private static readonly string[] InheritedSettingPrefixes = ["ConnectionStrings__", "Parameters__", "services__"];

    private readonly ResourceConsole _console = new(resources.Where(r => r is not ParameterResource).Select(r => r.Name));
    private readonly Dictionary<Resource, ResourceRun> _runs = resources.Where(r => r is not ParameterResource).ToDictionary(r => r, r => new ResourceRun(r));
    private readonly TimeSpan _healthTimeout = TimeSpan.FromSeconds(configuration.GetValue(HealthTimeoutKey, 120));
    private Exception? _startFailure;
    private volatile bool _stopping;

    public async Task<int> RunAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var state = new StateFolder(configuration);
        using var stateLock = TryLock(state);
        if (stateLock is null)
        {
            return 1;
        }
        foreach (var leftover in state.Ledger.KillLeftovers())
        {
            _console.Info($"killed {leftover}, left behind by a previous run");
        }
        if (arguments.Fresh)
        {
            state.Wipe();
            _console.Info($"{AppHostArguments.FreshSwitch}: wiped {state.FullPath}");
        }
        var searchPath = configuration[ServerBinaries.SearchPathKey] is { Length: > 0 } configured ? configured : ServerBinaries.DefaultSearchPath;
        var run = new RunState(configuration, state, new ServerContext(searchPath, _console.Output, state.Ledger));
        try
        {
            foreach (var server in resources.OfType<ServerResource>().Where(server => !server.IsExternal(run)))
            {
                run.AddLocalServer(server, server.CreateLocalServer(run));
            }
        }
        catch (MissingServerBinaryException missing)
        {
            _console.Error(missing.Message);
            return 1;
        }

        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            _console.Info($"{context.Signal}: stopping");
            stopping.Cancel();
        }

        _console.Info($"state folder: {state.FullPath}");
        using (var startup = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token))
        {
            await Task.WhenAll(_runs.Values.Select(r => StartGuardedAsync(r, run, startup)));
        }
        if (_startFailure is not null)
        {
            _console.Error(_startFailure is ResourceNotHealthyException ? _startFailure.Message : _startFailure.ToString());
        }
        else if (!stopping.IsCancellationRequested)
        {
            ReportReady(run, stopwatch.Elapsed);
            var stopRequested = new TaskCompletionSource();
            await using (stopping.Token.Register(stopRequested.SetResult))
            {
                await stopRequested.Task;
            }
        }
        await StopAllAsync();
        _console.Info("all resources stopped");
        return _startFailure is null ? 0 : 1;
    }

    private IDisposable? TryLock(StateFolder state)
    {
        try
        {
            return state.Lock();
        }
        catch (StateFolderInUseException inUse)
        {
            _console.Error(inUse.Message);
            return null;
        }
    }

    private async Task StartGuardedAsync(ResourceRun resource, RunState run, CancellationTokenSource startup)
    {
        try
        {
            await StartAsync(resource, run, startup.Token);
        }
        catch (Exception exception) when (!startup.IsCancellationRequested)
        {
            resource.State = "FailedToStart";
            Interlocked.CompareExchange(ref _startFailure, exception, null);
            await startup.CancelAsync();
        }
        catch (OperationCanceledException)
        {
            resource.State = "NotStarted";
        }
    }

    private async Task StartAsync(ResourceRun resource, RunState run, CancellationToken cancellationToken)
    {
        foreach (var dependency in resource.Resource.WaitsFor)
        {
            await _runs[dependency].Healthy.Task.WaitAsync(cancellationToken);
        }
        resource.State = "Starting";
        switch (resource.Resource)
        {
            case ServerResource server when run.LocalServer(server) is { } local:
                resource.Stop = local.StopAsync;
                await local.StartAsync(cancellationToken);
                resource.Process = local.Process;
                resource.Endpoint = local.Endpoint;
                await WaitHealthyAsync(resource, ct => server.ProbeAsync(local.ConnectionString, ct), cancellationToken);
                break;
            case ServerResource server when run.ConfiguredConnectionString(server.Name) is { } external:
                resource.Endpoint = $"external (ConnectionStrings:{server.Name})";
                await WaitHealthyAsync(resource, ct => server.ProbeAsync(external, ct), cancellationToken);
                break;
            case ServerResource:
                resource.Endpoint = "external (through its databases' connection strings)";
                break;
            case MySqlDatabaseResource database:
                var connectionString = database.GetConnectionString(run);
                resource.Endpoint = run.ConfiguredConnectionString(database.Name) is null
                    ? $"{database.Server.Name}/{database.Name}"
                    : $"external (ConnectionStrings:{database.Name})";
                await WaitHealthyAsync(resource, ct => HealthProbes.MySqlAsync(connectionString, ct), cancellationToken);
                break;
            case ProjectResource project:
                var started = await ProjectProcess.StartAsync(
                    project.Name, project.Metadata.AssemblyPath, run.ProjectPort(project), EnvironmentOf(project, run),
                    run.Servers, _healthTimeout, cancellationToken);
                resource.Stop = () => started.StopAsync(ProjectStopGrace);
                resource.Process = started.Process;
                resource.Endpoint = started.BaseAddress.ToString().TrimEnd('/');
                break;
        }
        resource.State = "Healthy";
        resource.Healthy.SetResult();
        if (resource.Process is { } process)
        {
            _ = ReportExitAsync(resource, process);
        }
    }

    private Task WaitHealthyAsync(ResourceRun resource, Func<CancellationToken, Task> probe, CancellationToken cancellationToken) =>
        HealthProbes.WaitUntilHealthyAsync(resource.Resource.Name, probe, _healthTimeout, resource.Process, cancellationToken);

    private Dictionary<string, string?> EnvironmentOf(ProjectResource project, RunState run)
    {
        // The AppHost's own settings are not inherited: a project sees what it references, nothing else.
        var environment = Environment.GetEnvironmentVariables().Keys.OfType<string>()
            .Where(name => InheritedSettingPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            .ToDictionary(name => name, _ => (string?)null);
        foreach (var (name, value) in project.EnvironmentVariables())
        {
            environment[name] = value.GetValue(run);
        }
        // Telemetry goes to a collector only when one is configured (Aspire's dashboard endpoint).
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = configuration["DOTNET_DASHBOARD_OTLP_ENDPOINT_URL"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        return environment;
    }

    // A child that exits on its own; the stop sequence reports the others.
    private async Task ReportExitAsync(ResourceRun resource, ChildProcess process)
    {
        var exitCode = (await process.Exited).ToString(CultureInfo.InvariantCulture);
        if (!_stopping)
        {
            resource.State = $"Exited ({exitCode})";
            _console.Error($"{resource.Resource.Name} exited with code {exitCode}");
        }
    }

    private void ReportReady(RunState run, TimeSpan elapsed)
    {
        _console.Table(_runs.Values.Select(r => (
            r.Resource.Name,
            r.Resource.GetType().Name.Replace("Resource", "", StringComparison.Ordinal),
            r.State,
            r.Process is null ? r.Endpoint : $"{r.Endpoint}  (pid {r.Process.Id.ToString(CultureInfo.InvariantCulture)})")));
        foreach (var project in _runs.Keys.OfType<ProjectResource>().Where(p => p.HasExternalHttpEndpoint))
        {
            var login = project.Login is var (userName, password) ? $"  (sign in as {userName} / {password.GetValue(run)})" : "";
            _console.Highlight($"  {project.Name}: {run.ProjectUrl(project)}{login}");
        }
        _console.Highlight($"  all resources healthy in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s; Ctrl+C stops them");
    }

    private async Task StopAllAsync()
    {
        _stopping = true;
        var stops = new Dictionary<Resource, Lazy<Task>>();
        foreach (var resource in _runs.Values)
        {
            stops[resource.Resource] = new Lazy<Task>(() => StopAfterAsync(resource, stops));
        }
        await Task.WhenAll(stops.Values.Select(stop => stop.Value));
    }

    private async Task StopAfterAsync(ResourceRun resource, Dictionary<Resource, Lazy<Task>> stops)
    {
        var first = _runs.Keys.Where(other => other.References.Contains(resource.Resource)).Concat(resource.Resource.ShutdownAfter);
        await Task.WhenAll(first.Select(other => stops[other].Value));
        if (resource.Stop is { } stop)
        {
            resource.State = "Stopping";
            await stop();
            resource.State = "Stopped";
            var exitCode = resource.Process is { HasExited: true } process ? $" (exit code {(await process.Exited).ToString(CultureInfo.InvariantCulture)})" : "";
            _console.Info($"{resource.Resource.Name} stopped{exitCode}");
        }
    }

    private sealed class ResourceRun(Resource resource)
    {
        public Resource Resource { get; } = resource;

        public string State { get; set; } = "Waiting";

        public string Endpoint { get; set; } = "";

        public ChildProcess? Process { get; set; }

        public Func<Task>? Stop { get; set; }

        public TaskCompletionSource Healthy { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
