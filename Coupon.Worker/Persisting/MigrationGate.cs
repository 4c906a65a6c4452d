using System.Data.Common;
using Coupon.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coupon.Worker.Persisting;

// The api owns the schema and migrates it at start; nothing in the worker touches MySQL before
// every migration is applied. Checked once per process, shared by every loop that waits on it.
public sealed partial class MigrationGate(
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    IOptions<WorkerOptions> options,
    ILogger<MigrationGate> logger)
{
    private readonly Lock _lock = new();
    private Task? _applied;

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            _applied ??= WaitForMigrationsAsync(lifetime.ApplicationStopping);
        return _applied.WaitAsync(cancellationToken);
    }

    private async Task WaitForMigrationsAsync(CancellationToken stopping)
    {
        var delay = options.Value.RetryDelay;
        while (true)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
                var pending = (await db.Database.GetPendingMigrationsAsync(stopping)).ToList();
                if (pending.Count == 0)
                    return;
                LogPending(pending.Count);
            }
            catch (DbException ex)
            {
                LogUnreachable(ex);
            }
            await Task.Delay(delay, stopping);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
        }
    }

    [LoggerMessage(LogLevel.Information, "Waiting for the api to apply {Count} pending migration(s)")]
    private partial void LogPending(int count);

    [LoggerMessage(LogLevel.Warning, "Waiting for MySQL to check migrations")]
    private partial void LogUnreachable(Exception exception);
}
