using Coupon.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Infrastructure;

// The api owns the schema: it applies pending migrations before it serves (the worker waits for
// them). MySQL may still be starting, so it retries with a growing pause.
public sealed class MigrationService(IServiceScopeFactory scopes, ILogger<MigrationService> logger) : IHostedService
{
    private const int Attempts = 10;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
                await db.Database.MigrateAsync(cancellationToken);
                logger.LogInformation("Database schema is up to date");
                return;
            }
            catch (Exception e) when (attempt < Attempts && e is MySqlConnector.MySqlException or InvalidOperationException)
            {
                logger.LogWarning(e, "Applying migrations failed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
