using System.Net;
using System.Net.Sockets;

namespace Coupon.Tests.Admin;

// Opens a port that relays TCP to the real api: an api address that is dead until the relay
// starts, so a test can bring "the api" back without restarting the shared api process.
internal sealed class ApiRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private ApiRelay(int port, Uri target)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _target = target;
        _accepting = AcceptAsync();
    }

    public static ApiRelay Start(int port, Uri target) => new(port, target);

    // A loopback port nothing listens on (yet).
    public static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                var downstream = client.GetStream();
                var up = upstream.GetStream();
                await Task.WhenAny(downstream.CopyToAsync(up, _stop.Token), up.CopyToAsync(downstream, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // Either side hung up: the connection simply ends, as a real one would.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
