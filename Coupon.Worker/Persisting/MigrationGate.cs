using Coupon.Core.Data;
using Coupon.ServiceDefaults;
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

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        Task applied;
        lock (_lock)
            applied = _applied ??= WaitForMigrationsAsync(lifetime.ApplicationStopping);
        // Each waiter resumes on a thread of its own: the consumer's loop blocks in Consume, and
        // resumed inline it would keep the other waiters from ever running.
        await applied.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
    }

    private async Task WaitForMigrationsAsync(CancellationToken stopping)
    {
        var delay = options.Value.RetryDelay;
        while (true)
        {
            // A check that only looks: traced when it fails or is slow.
            using var round = BackgroundRound.Begin("migration check");
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
                var pending = (await db.Database.GetPendingMigrationsAsync(stopping)).ToList();
                if (pending.Count == 0)
                {
                    LogReady();
                    return;
                }
                LogPending(pending.Count);
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                // A fault here would fail every loop waiting on the gate, for good.
                round.Failed(ex);
                LogUnreachable(ex);
            }
            await Task.Delay(delay, stopping);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
        }
    }

    [LoggerMessage(LogLevel.Information, "The schema is up to date; persisting can start")]
    private partial void LogReady();

    [LoggerMessage(LogLevel.Information, "Waiting for the api to apply {Count} pending migration(s)")]
    private partial void LogPending(int count);

    [LoggerMessage(LogLevel.Warning, "Waiting for MySQL to check migrations")]
    private partial void LogUnreachable(Exception exception);
}
