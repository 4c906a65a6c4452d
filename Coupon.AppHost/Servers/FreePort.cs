using System.Net;
using System.Net.Sockets;

namespace Coupon.AppHost.Servers;

public static class FreePort
{
    // A port the kernel just handed out on 127.0.0.1 (released again, so the server can bind it).
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
