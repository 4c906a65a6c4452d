using Coupon.AppHost.Servers;

namespace Coupon.Bench.Baseline;

// The baseline server as a child process of the bench (`Coupon.Bench baseline-server <url>`).
public sealed class BaselineProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private BaselineProcess(ChildProcess process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public static async Task<BaselineProcess> StartAsync(CancellationToken cancellationToken)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var process = ServerContext.Quiet().Start(new ChildProcessSpec("baseline", DotnetHost.Path,
            [typeof(BaselineServer).Assembly.Location, BaselineServer.Command, address.ToString().TrimEnd('/')],
            AppContext.BaseDirectory, new Dictionary<string, string?>()));
        var baseline = new BaselineProcess(process, address);
        try
        {
            await HealthProbes.WaitUntilHealthyAsync("baseline", ct => HealthProbes.HttpAsync(address, ct),
                TimeSpan.FromSeconds(30), process, cancellationToken);
        }
        catch
        {
            await baseline.DisposeAsync();
            throw;
        }
        return baseline;
    }

    public ValueTask DisposeAsync() => new(_process.StopAsync(TimeSpan.FromSeconds(10)));
}
