using Coupon.ServiceDefaults;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

// A background loop that works against Redis, MySQL or Kafka once per interval. A round that
// fails, whatever it throws (RedisTimeoutException is a TimeoutException, EF's retry limit, a
// cancellation that is not the host stopping), is logged and the next round comes at the next
// tick: an exception leaving ExecuteAsync would stop the whole host.
public abstract partial class DependencyLoop(TimeProvider time, ILogger logger) : BackgroundService
{
    // For the derived loops, so that they do not keep copies of what they pass here.
    protected TimeProvider Time { get; } = time;

    protected ILogger Logger { get; } = logger;

    protected abstract TimeSpan Interval { get; }

    private string RoundName => $"{GetType().Name} round";

    protected abstract Task RoundAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        try
        {
            do
            {
                // Traced only when it does work (BackgroundRound.Work), fails or is slow.
                using var round = BackgroundRound.Begin(RoundName);
                try
                {
                    await RoundAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    round.Failed(ex);
                    LogRoundFailed(Logger, Interval, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(LogLevel.Warning, "A round failed; the next one starts in {Interval}")]
    private static partial void LogRoundFailed(ILogger logger, TimeSpan interval, Exception exception);
}
