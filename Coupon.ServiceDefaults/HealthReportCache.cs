using Coupon.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

// The last health report, reused for a moment after it is made: however many callers ask
// (/health, the admin's system page), the checks run at most once per period and one run at a
// time, so a flood of health requests cannot take threads or connections from the issue path.
public sealed class HealthReportCache(HealthCheckService health, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private Run? _last;

    public Task<HealthReport> GetAsync(CancellationToken cancellationToken)
    {
        var last = Volatile.Read(ref _last);
        if (last is null || last.ExpiredAt(time.GetUtcNow()))
        {
            lock (_lock)
            {
                if (_last == last)
                    Volatile.Write(ref _last, last = new Run(health, time));
                else
                    last = _last!;
            }
        }
        // Shared by every caller: one caller going away does not cancel the others' checks.
        return last.Report.WaitAsync(cancellationToken);
    }

    private sealed class Run
    {
        // Written before Report completes, read only once it has.
        private DateTimeOffset _completedAt;

        public Run(HealthCheckService health, TimeProvider time)
        {
            Report = CheckAsync(health, time);
        }

        public Task<HealthReport> Report { get; }

        public bool ExpiredAt(DateTimeOffset now) => Report.IsCompleted && _completedAt <= now - Lifetime;

        private async Task<HealthReport> CheckAsync(HealthCheckService health, TimeProvider time)
        {
            // The checks' own PING and Open are no traces, whoever asked.
            using var round = BackgroundRound.Begin("health checks");
            try
            {
                return await health.CheckHealthAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _completedAt = time.GetUtcNow();
            }
        }
    }
}
