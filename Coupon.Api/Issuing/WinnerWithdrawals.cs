using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Api.Issuing;

// What became of taking back an acceptance that is not answered 202.
public enum WithdrawalOutcome
{
    // Nothing of the request's stays in Redis, and its script, should it still run, records nothing.
    Withdrawn,
    // The reconciler has re-published it: it will be a row, so the request is a 202 after all.
    KeptForReconciler,
    // Redis did not answer; MySQL holds the withdrawal, which the reconciler applies before it
    // would re-publish the winner.
    Recorded,
    // Neither answered in time: retried here, but whether the coupon stays is not known yet.
    Unknown,
}

// Keeps "a request not answered 202 never becomes a row" when Redis misbehaves around the issue
// script, for the request being answered. Requests are told apart by their ids, never by clocks:
// a lost reply is read back and the request voided (resolve.lua), an acceptance is taken back by
// its request id (withdraw.lua); when Redis cannot be reached for that, the withdrawal is recorded
// in MySQL and left to WithdrawalRetries.
public sealed partial class WinnerWithdrawals(
    CampaignRedisState state,
    WithdrawalRetries retries,
    IServiceScopeFactory scopes,
    IOptions<IssueDeadlines> deadlines,
    TimeProvider time,
    ILogger<WinnerWithdrawals> logger)
{
    private readonly IssueDeadlines _deadlines = deadlines.Value;

    // Whether a command that failed with this may have run: one that never left this process
    // (no connection, still queued) or that Redis refused with an error did not.
    public static bool MayHaveRun(Exception exception) => exception switch
    {
        RedisTimeoutException timeout => !NotSent(timeout.Commandstatus),
        RedisConnectionException connection => !NotSent(connection.CommandStatus),
        RedisServerException => false,
        _ => true,
    };

    private static bool NotSent(CommandStatus status) => status is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog;

    // The issue script's reply was lost or late: what it did for this request, read back with the
    // request voided unless it recorded the winner. Null when Redis did not answer that either.
    public async Task<IssueResult?> ResolveAsync(IssueRequest request)
    {
        try
        {
            return await state.ResolveAsync(request).WaitAsync(_deadlines.ReadBack);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnresolved(e, request.CampaignId, request.UserId);
            return null;
        }
    }

    // Takes back this request's acceptance: in Redis when it answers in time, otherwise deferred.
    public async Task<WithdrawalOutcome> WithdrawAsync(IssueRequest request) =>
        await TryWithdrawAsync(request, _deadlines.ReadBack) switch
        {
            WithdrawResult.KeptForReconciler => WithdrawalOutcome.KeptForReconciler,
            null => await DeferAsync(request),
            _ => WithdrawalOutcome.Withdrawn,
        };

    // Redis cannot be reached: recorded in MySQL for the reconciler, and retried in Redis.
    public async Task<WithdrawalOutcome> DeferAsync(IssueRequest request)
    {
        var recorded = await TryRecordAsync(request);
        retries.Add(request);
        return recorded ? WithdrawalOutcome.Recorded : WithdrawalOutcome.Unknown;
    }

    private async Task<WithdrawResult?> TryWithdrawAsync(IssueRequest request, TimeSpan timeout)
    {
        try
        {
            return await state.WithdrawAsync(request).WaitAsync(timeout);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogWithdrawFailed(e, request.CampaignId, request.UserId);
            return null;
        }
    }

    private async Task<bool> TryRecordAsync(IssueRequest request)
    {
        using var deadline = new CancellationTokenSource(_deadlines.Record);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
            db.Withdrawals.Add(new WinnerWithdrawal
            {
                CampaignId = request.CampaignId,
                UserId = request.UserId,
                RequestId = request.RequestId,
                RecordedAt = time.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync(deadline.Token);
            return true;
        }
        catch (Exception e)
        {
            // Whatever MySQL or EF threw (a timeout, the deadline): Redis is retried in the rounds.
            LogRecordFailed(e, request.CampaignId, request.UserId);
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not read back whether the issue script recorded campaign {CampaignId}'s coupon for user {UserId}")]
    private partial void LogUnresolved(Exception exception, long campaignId, long userId);

    [LoggerMessage(LogLevel.Warning, "Could not take back campaign {CampaignId}'s coupon for user {UserId} in Redis")]
    private partial void LogWithdrawFailed(Exception exception, long campaignId, long userId);

    [LoggerMessage(LogLevel.Error, "Could not record the withdrawal of campaign {CampaignId}'s coupon for user {UserId} in MySQL; retrying it in Redis")]
    private partial void LogRecordFailed(Exception exception, long campaignId, long userId);
}
