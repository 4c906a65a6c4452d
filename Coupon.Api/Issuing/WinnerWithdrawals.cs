using System.Collections.Concurrent;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Api.Issuing;

// Keeps "a request not answered 202 never becomes a row" when Redis misbehaves around the issue
// script. An acceptance is taken back with the undo script; when Redis cannot be reached for it,
// the withdrawal is recorded in MySQL, where the reconciler finds it before it would re-publish
// the winner; when MySQL cannot be reached either, it waits here and is retried every second.
public sealed partial class WinnerWithdrawals(
    CampaignRedisState state,
    IServiceScopeFactory scopes,
    IOptions<CampaignCacheOptions> options,
    TimeProvider time,
    ILogger<WinnerWithdrawals> logger) : DependencyLoop(time, logger)
{
    private const int MaxWaiting = 100_000;
    private static readonly TimeSpan RecordTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<WinnerWithdrawal> _waiting = new();
    private readonly TimeSpan _clockTolerance = options.Value.ClockTolerance;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    public DateTimeOffset Now => Time.GetUtcNow();

    public int Waiting => _waiting.Count;

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

    // The issue script's reply was lost (timeout, connection dropped): whether it recorded this
    // user is read back before answering. Redis answers one connection's commands in order, so
    // the read sees the script's effect if it ran. A winner recorded before this request was
    // sent is an earlier request's. Null when nothing of this request's stays in Redis.
    public async Task<IssueResult?> ResolveAsync(long couponId, long userId, DateTimeOffset sentAt)
    {
        DateTimeOffset? acceptedAt;
        try
        {
            acceptedAt = await state.AcceptedAtAsync(couponId, userId);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnresolved(e, couponId, userId);
            // Unknown: whatever the script may have recorded since this request was sent goes.
            await WithdrawAsync(couponId, userId, sentAt - _clockTolerance, notAfter: null);
            return null;
        }
        if (acceptedAt is not { } recorded)
            return null;
        return recorded < sentAt - _clockTolerance
            ? new IssueResult(IssueOutcome.AlreadyIssued, recorded.ToUnixTimeMilliseconds(), 0)
            : new IssueResult(IssueOutcome.Accepted, recorded.ToUnixTimeMilliseconds(), 0);
    }

    // Takes back the acceptance recorded at `acceptedAt`. True when the reconciler has already
    // re-published it (the api stalled that long): it will be a row, so the request is a 202.
    public Task<bool> WithdrawAsync(long couponId, long userId, DateTimeOffset acceptedAt) =>
        WithdrawAsync(couponId, userId, acceptedAt, acceptedAt);

    // Without an end, the window closes when Redis runs the undo, queued behind the script on the
    // same connection. Recorded for later, it closes now: had the script run later still, the
    // queued undo would have run after it and taken it back.
    private async Task<bool> WithdrawAsync(long couponId, long userId, DateTimeOffset notBefore, DateTimeOffset? notAfter)
    {
        if (await TryUndoAsync(couponId, userId, notBefore.ToUnixTimeMilliseconds(), notAfter?.ToUnixTimeMilliseconds()) is { } undone)
            return undone == UndoResult.KeptForReconciler;
        var withdrawal = new WinnerWithdrawal
        {
            CouponId = couponId,
            UserId = userId,
            NotBeforeMs = notBefore.ToUnixTimeMilliseconds(),
            NotAfterMs = (notAfter ?? Now + _clockTolerance).ToUnixTimeMilliseconds(),
        };
        if (await TryRecordAsync(withdrawal))
            return false;
        if (_waiting.Count < MaxWaiting)
            _waiting.Enqueue(withdrawal);
        else
            LogDropped(couponId, userId);
        return false;
    }

    // Neither Redis nor MySQL took these when their requests were answered.
    protected override async Task RoundAsync(CancellationToken stoppingToken)
    {
        for (var count = _waiting.Count; count > 0 && _waiting.TryDequeue(out var withdrawal); count--)
        {
            var undone = await TryUndoAsync(withdrawal.CouponId, withdrawal.UserId, withdrawal.NotBeforeMs, withdrawal.NotAfterMs);
            if (undone == UndoResult.KeptForReconciler)
                LogRepublishedMeanwhile(withdrawal.CouponId, withdrawal.UserId);
            if (undone is null && !await TryRecordAsync(withdrawal))
                _waiting.Enqueue(withdrawal);
        }
    }

    private async Task<UndoResult?> TryUndoAsync(long couponId, long userId, long notBeforeMs, long? notAfterMs)
    {
        try
        {
            return await state.UndoAsync(couponId, userId, notBeforeMs, notAfterMs);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUndoFailed(e, couponId, userId);
            return null;
        }
    }

    private async Task<bool> TryRecordAsync(WinnerWithdrawal withdrawal)
    {
        using var timeout = new CancellationTokenSource(RecordTimeout);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
            withdrawal.RecordedAt = Now.UtcDateTime;
            db.Withdrawals.Add(withdrawal);
            await db.SaveChangesAsync(timeout.Token);
            return true;
        }
        catch (Exception e)
        {
            // Whatever MySQL or EF threw (a timeout, the retry limit): kept for the next round.
            LogRecordFailed(e, withdrawal.CouponId, withdrawal.UserId);
            withdrawal.Id = 0;
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not read back whether the issue script recorded coupon {CouponId} for user {UserId}")]
    private partial void LogUnresolved(Exception exception, long couponId, long userId);

    [LoggerMessage(LogLevel.Warning, "Could not take back coupon {CouponId} for user {UserId} in Redis")]
    private partial void LogUndoFailed(Exception exception, long couponId, long userId);

    [LoggerMessage(LogLevel.Error, "Could not record the withdrawal of coupon {CouponId} for user {UserId} in MySQL; retrying")]
    private partial void LogRecordFailed(Exception exception, long couponId, long userId);

    [LoggerMessage(LogLevel.Error, "Too many withdrawals wait for Redis or MySQL; coupon {CouponId} for user {UserId} may still be persisted")]
    private partial void LogDropped(long couponId, long userId);

    [LoggerMessage(LogLevel.Error, "Coupon {CouponId} for user {UserId}, answered 503, was re-published by the reconciler before its withdrawal reached Redis")]
    private partial void LogRepublishedMeanwhile(long couponId, long userId);
}
