using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Coupon.Tests.Hosting;

// The built AppHost run the way run.sh runs it (`dotnet Coupon.AppHost.dll …` in Development), for
// what only a real process shows: the manifest publisher, the token command, signals.
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppHostProcess(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Exited = ExitCodeAsync();
    }

    // Coupon.AppHost/bin/<this test build's configuration>/net10.0/Coupon.AppHost.dll (the
    // AppHost's metadata names its folder).
    public static string AssemblyPath { get; } = Path.Combine(Projects.Coupon_AppHost.ProjectPath, "bin",
        typeof(AppHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration,
        "net10.0", "Coupon.AppHost.dll");

    public int Id => _process.Id;

    public Task<int> Exited { get; }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static AppHostProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        new(arguments, environment ?? new Dictionary<string, string?>());

    public void Kill() => _process.Kill();

    // Where the AppHost keeps the user secrets of that id (the AppHost writes its dashboard keys
    // there at every start, the token command included).
    public static string UserSecretsFolder(string userSecretsId) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", userSecretsId);

    // `token …` with a user secrets store of the caller's own: the lines it printed.
    public static async Task<string[]> TokenAsync(IEnumerable<string> options, string userSecretsId)
    {
        await using var appHost = Start(["token", .. options], new Dictionary<string, string?> { ["ASPIRE_USER_SECRETS_ID"] = userSecretsId });
        Assert.True(await appHost.Exited.WaitAsync(TimeSpan.FromSeconds(60)) == 0, appHost.Output);
        return appHost.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }

    public void Terminate() => Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            await Exited.WaitAsync(TimeSpan.FromSeconds(60));
        }
        _process.Dispose();
    }

    private async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}
