using System.Diagnostics;
using System.Security.Claims;
using Confluent.Kafka;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupon.Api.Issuing;

// POST /api/coupons/{id}/issue: the hot path. Cache fast rejects, then one Lua script in Redis
// decides and records atomically, with this request's id, then the event is published and its
// ack awaited; an event Kafka surely did not take is withdrawn from Redis, so a 503 never leaves
// a coupon behind, and one Kafka may have taken is kept (a 202; the reconciler makes sure of the
// row). A script whose reply was lost is read back by the request's id before answering
// (WinnerWithdrawals). Each step waits a bounded time (IssueDeadlines).
public static class IssueCoupon
{
    public const string EndpointName = "IssueCoupon";

    // What the endpoint needs besides the request, bound with [AsParameters].
    public sealed record Services(
        CampaignCache Campaigns,
        CampaignRedisState State,
        RedisClock Clock,
        IOptions<IssueDeadlines> DeadlineOptions,
        IssuedEventPublisher Publisher,
        WinnerWithdrawals Withdrawals,
        IssueStatistics Statistics,
        IssueTelemetry Telemetry,
        ILoggerFactory Loggers)
    {
        public IssueDeadlines Deadlines => DeadlineOptions.Value;

        // Made when a fault is logged, not for every request that binds these services.
        public ILogger Logger => Loggers.CreateLogger(typeof(IssueCoupon));
    }

    public static async Task<Results<Accepted<IssueStatus>, ProblemHttpResult>> Handle(
        long id, ClaimsPrincipal user, HttpContext httpContext, [AsParameters] Services services, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var userId = user.GetUserId();
        using var activity = IssueTelemetry.Source.StartActivity("coupon issue");
        activity?.SetTag("coupon.id", id);
        activity?.SetTag("user.id", userId);

        var result = await IssueAsync(id, userId, httpContext, services, cancellationToken);

        var outcome = result.Result is ProblemHttpResult problem ? (string)problem.ProblemDetails.Extensions["code"]! : IssueTelemetry.AcceptedOutcome;
        activity?.SetTag("coupon.issue.outcome", outcome);
        services.Telemetry.Record(outcome, Stopwatch.GetElapsedTime(started));
        if (result.Result is ProblemHttpResult && outcome != ProblemCodes.CouponNotFound)
            services.Statistics.RecordRejection(id, outcome);
        else if (result.Result is Accepted<IssueStatus> { Value.IssuedAt: { } acceptedAt })
            services.Statistics.RecordIssued(id, acceptedAt);
        return result;
    }

    private static async Task<Results<Accepted<IssueStatus>, ProblemHttpResult>> IssueAsync(
        long id, long userId, HttpContext httpContext, Services services, CancellationToken cancellationToken)
    {
        var (campaigns, state, clock) = (services.Campaigns, services.State, services.Clock);
        var campaign = id > 0 ? await campaigns.GetAsync(id, cancellationToken) : null;
        if (campaign is null)
            return ApiProblems.NotFound(id);
        if (campaigns.FastReject(campaign) is { } code)
            return Rejected(code, id);

        var request = IssueRequest.Create(id, userId, clock.DeadlineMs(services.Deadlines.Script));
        var sent = clock.Timestamp();
        IssueResult issued;
        try
        {
            // Bounded by the Redis client's timeout, the script's deadline (Extensions.cs), which
            // also tells whether the script was sent at all.
            issued = await state.IssueAsync(request, campaign.IssuedQuantity);
            clock.Observe(issued.AcceptedAtMs, sent);
        }
        catch (Exception e) when (e is RedisException or TimeoutException && !WinnerWithdrawals.MayHaveRun(e))
        {
            services.Logger.LogWarning(e, "Redis did not run the issue script for coupon {CampaignId}", id);
            return ApiProblems.Unavailable(httpContext, "Issuing is briefly unavailable; retry shortly.");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            services.Logger.LogWarning(e, "The issue script's reply for coupon {CampaignId} and user {UserId} was lost", id, userId);
            if (await services.Withdrawals.ResolveAsync(request) is not { } resolved)
                return Withdrawn(await services.Withdrawals.DeferAsync(request), request, httpContext, services);
            issued = resolved;
        }

        switch (issued.Outcome)
        {
            case IssueOutcome.Accepted:
                if (issued.Accepted >= campaign.TotalQuantity)
                    campaigns.MarkSoldOut(id);
                break;
            case IssueOutcome.SoldOut:
                campaigns.MarkSoldOut(id);
                return Rejected(ProblemCodes.SoldOut, id);
            case IssueOutcome.NotOpenYet:
                return Rejected(ProblemCodes.NotOpenYet, id);
            case IssueOutcome.Closed:
                return Rejected(ProblemCodes.Closed, id);
            case IssueOutcome.AlreadyIssued:
                return Rejected(ProblemCodes.AlreadyIssued, id);
            case IssueOutcome.Expired:
                return ApiProblems.Unavailable(httpContext, "Issuing is briefly unavailable; retry shortly.");
            default:
                // The campaign's Redis state is lost, wholly or partly (or, read back, nothing was
                // recorded); the worker rebuilds a lost state from MySQL once drained.
                return ApiProblems.Unavailable(httpContext, "This campaign is being restored; retry shortly.");
        }

        var status = await services.Publisher.PublishAsync(new CouponIssuedEvent(id, userId, issued.AcceptedAt));
        if (status == PersistenceStatus.NotPersisted
            && await services.Withdrawals.WithdrawAsync(request) is var withdrawal and not WithdrawalOutcome.KeptForReconciler)
        {
            return Withdrawn(withdrawal, request, httpContext, services);
        }
        if (status == PersistenceStatus.PossiblyPersisted)
        {
            // The event may be in Kafka: withdrawing could hand the same coupon out twice. The
            // winner stays in Redis and the reconciler persists it, so the acceptance holds.
            services.Logger.LogWarning("Coupon {CampaignId} for user {UserId} kept for the reconciler after an uncertain publish", id, userId);
        }

        return TypedResults.Accepted($"/api/coupons/{id}/issue",
            new IssueStatus(id, IssueStatus.Pending, issued.AcceptedAt));
    }

    // A 503 only when nothing of the request's can become a row; otherwise the client is told the
    // outcome is not known yet, and reads it from GET /api/coupons/{id}/issue later.
    private static ProblemHttpResult Withdrawn(WithdrawalOutcome withdrawal, IssueRequest request, HttpContext httpContext, Services services)
    {
        if (withdrawal != WithdrawalOutcome.Unknown)
            return ApiProblems.Unavailable(httpContext, "The coupon could not be recorded; retry shortly.");
        services.Logger.LogError("Whether coupon {CampaignId} was issued to user {UserId} is not known: neither Redis nor MySQL answered in time",
            request.CampaignId, request.UserId);
        return ApiProblems.OutcomeUnknown(request.CampaignId);
    }

    public static ProblemHttpResult Rejected(string code, long id) => code switch
    {
        ProblemCodes.SoldOut => ApiProblems.Conflict(code, "Sold out", $"Coupon {id} has no coupons left."),
        ProblemCodes.NotOpenYet => ApiProblems.Conflict(code, "Not open yet", $"Coupon {id} cannot be issued before its issue window opens."),
        ProblemCodes.Closed => ApiProblems.Conflict(code, "Closed", $"The issue window of coupon {id} has closed."),
        _ => ApiProblems.Conflict(code, "Already issued", $"You already have coupon {id}."),
    };
}
