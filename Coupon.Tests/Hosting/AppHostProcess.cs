using System.Globalization;
using System.Reflection;
using Coupon.AppHost.Servers;

namespace Coupon.Tests.Hosting;

// The built AppHost run as a real process, as `dotnet run --project Coupon.AppHost` runs it, with
// its own state folder.
internal sealed class AppHostProcess : IAsyncDisposable
{
    private readonly List<string> _lines = [];
    private readonly ChildProcess _process;

    private AppHostProcess(string stateFolder, IReadOnlyDictionary<string, string?> environment, string[] arguments)
    {
        StateFolder = stateFolder;
        var assembly = typeof(AppHostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "CouponAppHostAssembly").Value!;
        var spec = new ChildProcessSpec(
            "apphost-under-test",
            DotnetHost.Path,
            [assembly, .. arguments, $"--AppHost:StatePath={stateFolder}"],
            Path.GetDirectoryName(assembly)!,
            new Dictionary<string, string?>(environment) { ["NO_COLOR"] = "1" });
        _process = ChildProcess.Start(spec, (_, line) =>
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        });
    }

    public string StateFolder { get; }

    public int Id => _process.Id;

    public Task<int> Exited => _process.Exited;

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    public static AppHostProcess Start(string stateFolder, IReadOnlyDictionary<string, string?>? environment = null, params string[] arguments) =>
        new(stateFolder, environment ?? new Dictionary<string, string?>(), arguments);

    // The first output line that matches; fails with the whole output when the AppHost exits or
    // the time is up first.
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_lines)
            {
                if (_lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }
            }
            if (_process.HasExited)
            {
                break;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The AppHost did not print the expected line (exited: {_process.HasExited}). Output:{Environment.NewLine}{Output}");
    }

    public Task<string> WaitUntilHealthyAsync() =>
        WaitForLineAsync(line => line.Contains("all resources healthy", StringComparison.Ordinal), TimeSpan.FromSeconds(120));

    // The address the AppHost printed for a project ("  api: http://127.0.0.1:port").
    public Uri ProjectAddress(string project)
    {
        var prefix = $"  {project}: ";
        lock (_lines)
        {
            var line = _lines.First(l => l.StartsWith(prefix, StringComparison.Ordinal));
            return new Uri(line[prefix.Length..].Split(' ')[0]);
        }
    }

    // The children it started, from its pid ledger: resource name -> pid.
    public IReadOnlyDictionary<string, int> LedgerChildren() =>
        Directory.GetFiles(Path.Combine(StateFolder, "pids"), "*.pid")
            .Select(file => Path.GetFileNameWithoutExtension(file).Split('.'))
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], CultureInfo.InvariantCulture));

    // SIGTERM, and the exit code once it has stopped everything (137 if it had to be killed).
    public async Task<int> StopAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(60));
        return await _process.Exited;
    }

    public void Kill() => _process.Kill();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    // Alive and not a zombie.
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    // The variables a running process got that configure the application: connection strings,
    // service addresses, authentication and the admin operator.
    public static Dictionary<string, string?> ApplicationEnvironmentOf(int pid)
    {
        string[] prefixes = ["ConnectionStrings__", "services__", "Authentication__", "Admin__"];
        return File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(variable => variable.Split('=', 2))
            .Where(pair => prefixes.Any(prefix => pair[0].StartsWith(prefix, StringComparison.Ordinal)))
            .ToDictionary(pair => pair[0], pair => (string?)pair[1]);
    }

    // Program names (comm) of the processes whose parent is this one.
    public static IReadOnlyList<string> ChildProgramsOf(int parent) =>
        [.. Directory.GetDirectories("/proc")
            .Where(folder => int.TryParse(Path.GetFileName(folder), out _))
            .Select(folder =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(folder, "stat"));
                }
                catch (IOException)
                {
                    return null;
                }
            })
            .OfType<string>()
            .Where(stat => stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1] == parent.ToString(CultureInfo.InvariantCulture))
            .Select(stat => stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')])];
}
