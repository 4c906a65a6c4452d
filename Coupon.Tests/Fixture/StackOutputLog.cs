using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.Tests.Fixture;

// Every console line of every resource, timestamped, in the file named by COUPON_STACK_LOG
// (test.sh points it into TestResults/), so a failed run can be read afterwards.
public sealed class StackOutputLog : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    private StackOutputLog(DistributedApplication app, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
        _ = FollowAsync(app.Services.GetRequiredService<ResourceNotificationService>(), app.Services.GetRequiredService<ResourceLoggerService>());
    }

    public static StackOutputLog? Watch(DistributedApplication app) =>
        Environment.GetEnvironmentVariable("COUPON_STACK_LOG") is { Length: > 0 } path ? new StackOutputLog(app, path) : null;

    // Logs are kept per instance (api-x7k2…), which appear as the resources start.
    private async Task FollowAsync(ResourceNotificationService notifications, ResourceLoggerService loggers)
    {
        var followed = new HashSet<string>();
        try
        {
            await foreach (var update in notifications.WatchAsync(_stopping.Token))
            {
                if (followed.Add(update.ResourceId))
                    _ = CopyAsync(loggers, update.ResourceId);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private async Task CopyAsync(ResourceLoggerService loggers, string resource)
    {
        try
        {
            await foreach (var batch in loggers.WatchAsync(resource).WithCancellation(_stopping.Token))
            {
                lock (_gate)
                {
                    foreach (var line in batch)
                        _writer.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {resource,-14} {line.Content}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        lock (_gate)
            _writer.Dispose();
        _stopping.Dispose();
    }
}
