using Coupon.Testing;

namespace Coupon.Bench.Stack;

// The application DCP runs for a project resource, under its `dotnet run --no-build` wrapper, and
// the port it listens on itself (DCP gives it in ASPNETCORE_URLS; a proxied endpoint's published
// address is DCP's proxy in front of it).
public sealed record ProjectApplication(int ProcessId, Uri OwnAddress)
{
    // Aspire calls a project healthy as soon as its `dotnet run` started (the AppHost gives the
    // projects no health check of their own): ready is when the application's /health says so.
    // `resourceProcess` is the resource's pid: the wrapper, or the application itself.
    public static async Task<ProjectApplication> WaitUntilServingAsync(int resourceProcess, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (OwnAddressOf(ApplicationOf(resourceProcess)) is { } address)
            {
                try
                {
                    using var health = await http.GetAsync(new Uri(address, "/health"), cancellationToken);
                    // Read again: the wrapper carries the same variables before its child starts.
                    if (health.IsSuccessStatusCode)
                        return new ProjectApplication(ApplicationOf(resourceProcess), address);
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // Not listening yet, or its first /health slower than 5 s on a busy machine.
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    private static int ApplicationOf(int resourceProcess) => ProcessTree.ApplicationUnder(resourceProcess) ?? resourceProcess;

    // http://localhost:<port> in ASPNETCORE_URLS, as an IP address for the raw-socket load generator.
    private static Uri? OwnAddressOf(int pid) =>
        ProcessTree.EnvironmentVariable(pid, "ASPNETCORE_URLS")?.Split(';').FirstOrDefault(url => url.StartsWith("http://", StringComparison.Ordinal)) is { } url
            ? new UriBuilder(url) { Host = "127.0.0.1" }.Uri
            : null;
}
