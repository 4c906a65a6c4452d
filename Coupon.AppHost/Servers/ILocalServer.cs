namespace Coupon.AppHost.Servers;

// A server the AppHost or the test fixture runs on this machine.
public interface ILocalServer : IAsyncDisposable
{
    // Valid once started.
    string ConnectionString { get; }

    // Where it listens, for people.
    string Endpoint { get; }

    // Its process; null for a server hosted inside this process.
    ChildProcess? Process { get; }

    // Starts it and returns once it answers its health check.
    Task StartAsync(CancellationToken cancellationToken = default);

    Task StopAsync();
}
