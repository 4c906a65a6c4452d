using System.Diagnostics;

namespace Coupon.Bench.Baseline;

// The baseline server as a child process of the bench (`Coupon.Bench baseline-server`), run by the
// dotnet host this process runs on; closing its standard input stops it.
public sealed class BaselineProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private BaselineProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public static async Task<BaselineProcess> StartAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(typeof(BaselineServer).Assembly.Location);
        start.ArgumentList.Add(BaselineServer.Command);
        var process = Process.Start(start)!;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            return line is not null && line.StartsWith(BaselineServer.AddressPrefix, StringComparison.Ordinal)
                ? new BaselineProcess(process, new Uri(line[BaselineServer.AddressPrefix.Length..] + "/"))
                : throw new InvalidOperationException($"The baseline server did not start (exit code {(process.HasExited ? process.ExitCode : null)}).");
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
    }
}
