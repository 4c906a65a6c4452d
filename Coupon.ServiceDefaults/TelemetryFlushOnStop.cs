using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

// Flushes the exported traces, metrics and logs once the app's own services have stopped, for a
// bounded time. Left to the container's disposal, each provider waits for its exporter's timeout
// (10 s) when the collector stalls (the dashboard on a busy machine): a worker stopped with
// SIGTERM then outlived DCP's stop wait and was killed. Registered before the app's services,
// so it stops after them and their last logs go out.
internal sealed class TelemetryFlushOnStop(IServiceProvider services) : IHostedService
{
    private const int FlushMilliseconds = 2000;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Side by side: the three exports together take as long as the slowest.
    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(
        Task.Run(() => services.GetService<TracerProvider>()?.Shutdown(FlushMilliseconds), CancellationToken.None),
        Task.Run(() => services.GetService<MeterProvider>()?.Shutdown(FlushMilliseconds), CancellationToken.None),
        Task.Run(() => services.GetService<LoggerProvider>()?.Shutdown(FlushMilliseconds), CancellationToken.None));
}
