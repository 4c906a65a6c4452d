using System.Collections.Concurrent;
using Coupon.Core.Issuing;
using Coupon.ServiceDefaults;
using StackExchange.Redis;

namespace Coupon.Api.Issuing;

// Withdrawals Redis did not take when their requests were answered (WinnerWithdrawals), tried
// again every second until Redis takes them; MySQL holds each one meanwhile for the reconciler.
public sealed partial class WithdrawalRetries(CampaignRedisState state, TimeProvider time, ILogger<WithdrawalRetries> logger)
    : DependencyLoop(time, logger)
{
    private const int MaxWaiting = 100_000;

    private readonly ConcurrentQueue<IssueRequest> _waiting = new();

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    public void Add(IssueRequest request)
    {
        if (_waiting.Count < MaxWaiting)
            _waiting.Enqueue(request);
        else
            LogDropped(request.CampaignId, request.UserId);
    }

    // The round ends at the first withdrawal Redis still cannot take, rather than wait out a
    // timeout for each.
    protected override async Task RoundAsync(CancellationToken stoppingToken)
    {
        if (_waiting.IsEmpty)
            return;
        using var work = BackgroundRound.Work("retry withdrawals");
        for (var count = _waiting.Count; count > 0 && _waiting.TryDequeue(out var request); count--)
        {
            WithdrawResult result;
            try
            {
                result = await state.WithdrawAsync(request);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogStillFailing(e, request.CampaignId, request.UserId);
                _waiting.Enqueue(request);
                return;
            }
            if (result == WithdrawResult.KeptForReconciler)
                LogRepublishedMeanwhile(request.CampaignId, request.UserId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not take back campaign {CampaignId}'s coupon for user {UserId} in Redis; retrying")]
    private partial void LogStillFailing(Exception exception, long campaignId, long userId);

    [LoggerMessage(LogLevel.Error, "Too many withdrawals wait for Redis; campaign {CampaignId}'s coupon for user {UserId} may still be persisted")]
    private partial void LogDropped(long campaignId, long userId);

    [LoggerMessage(LogLevel.Error, "Campaign {CampaignId}: the coupon of user {UserId}, not answered 202, was re-published by the reconciler before its withdrawal reached Redis")]
    private partial void LogRepublishedMeanwhile(long campaignId, long userId);
}
