using System.Diagnostics;
using System.Security.Claims;
using Confluent.Kafka;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Coupon.Api.Issuing;

// POST /api/coupons/{id}/issue, the hot path, as one pipeline:
//  1. PublicRejections: sold out, closed, not open yet for a campaign the cache holds, answered
//     before the token is verified (a middleware: authentication runs before any endpoint code).
//  2. The bearer token (ASP.NET Core's authentication and the User policy).
//  3. Here: the campaign (404), the per-user limit (429), the cache's window and sold-out (409).
//  4. GroupCommit: one Lua script in Redis decides the requests of the campaign that arrived
//     together, each with its own id and deadline, then the group's winners are published in one
//     burst and Kafka's acks awaited.
//  5. Here: an event Kafka surely did not take is withdrawn from Redis, so a 503 never leaves a
//     coupon behind, and one Kafka may have taken is kept (a 202; the reconciler makes sure of the
//     row). A script whose reply was lost is read back by the request's id before answering
//     (WinnerWithdrawals). Each step waits a bounded time (IssueDeadlines).
//  6. IssueOutcomes records every answer, whichever step gave it.
// In a draw window the same pipeline enters the user into the draw instead (202 "entered"; the
// worker makes the draw): an entry's event may be sent twice harmlessly, so one Kafka may have
// taken is withdrawn like one it surely did not, and answered "outcome unknown".
public static class IssueCoupon
{
    // What the endpoint needs besides the request, bound with [AsParameters].
    public sealed record Services(
        CampaignCache Campaigns,
        IssueRateLimit RateLimit,
        RedisClock Clock,
        IOptions<IssueDeadlines> DeadlineOptions,
        GroupCommit Groups,
        IssuedEventPublisher Publisher,
        WinnerWithdrawals Withdrawals,
        IssueOutcomes Outcomes,
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

        var campaign = id > 0 ? await services.Campaigns.GetAsync(id, cancellationToken) : null;
        Results<Accepted<IssueStatus>, ProblemHttpResult> result = campaign is null
            ? ApiProblems.NotFound(id)
            : await IssueAsync(campaign, userId, httpContext, services);

        var accepted = (result.Result as Accepted<IssueStatus>)?.Value;
        var outcome = result.Result is ProblemHttpResult problem ? (string)problem.ProblemDetails.Extensions["code"]!
            : accepted?.Status == IssueStatus.Entered ? IssueOutcomes.Entered : IssueOutcomes.Accepted;
        services.Outcomes.Record(id, campaign is not null, outcome, started, accepted?.IssuedAt);
        return result;
    }

    private static async Task<Results<Accepted<IssueStatus>, ProblemHttpResult>> IssueAsync(
        CampaignSnapshot campaign, long userId, HttpContext httpContext, Services services)
    {
        var (id, campaigns) = (campaign.Id, services.Campaigns);
        if (services.RateLimit.Refuse(userId, httpContext) is { } limited)
            return limited;
        if (campaigns.FastReject(campaign) is { } code)
            return Rejected(code, id);

        var request = IssueRequest.Create(id, userId, services.Clock.DeadlineMs(services.Deadlines.Script));
        var decision = await services.Groups.DecideAsync(request, campaign.IssuedQuantity, Activity.Current?.Context ?? default);
        var (issued, published) = (decision.Result, (PersistenceStatus?)decision.Published);
        if (decision.Fault is { } fault)
        {
            if (!WinnerWithdrawals.MayHaveRun(fault))
            {
                services.Logger.LogWarning(fault, "Redis did not run the issue script for campaign {CampaignId}", id);
                return ApiProblems.Unavailable(httpContext, "Issuing is briefly unavailable; retry shortly.");
            }
            services.Logger.LogWarning(fault, "The issue script's reply for campaign {CampaignId} and user {UserId} was lost", id, userId);
            if (await services.Withdrawals.ResolveAsync(request) is not { } resolved)
                return Withdrawn(await services.Withdrawals.DeferAsync(request), request, httpContext, services);
            // Read back: an acceptance still has its event to publish.
            (issued, published) = (resolved, null);
        }

        switch (issued.Outcome)
        {
            case IssueOutcome.Accepted:
                if (issued.Accepted >= campaign.TotalQuantity)
                    campaigns.MarkSoldOut(id);
                break;
            case IssueOutcome.Entered:
                break;
            case IssueOutcome.AlreadyEntered:
                return Rejected(ProblemCodes.AlreadyEntered, id);
            case IssueOutcome.Drawing:
                return ApiProblems.Drawing(httpContext, id);
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

        var entered = issued.Outcome == IssueOutcome.Entered;
        var status = published ?? (await services.Publisher.PublishAsync(
            [new IssuedEventMessage(new CouponIssuedEvent(id, userId, issued.AcceptedAt, entered), Activity.Current?.Context ?? default)]))[0];
        if (status == PersistenceStatus.NotPersisted
            && await services.Withdrawals.WithdrawAsync(request) is var withdrawal and not WithdrawalOutcome.KeptForReconciler)
        {
            return Withdrawn(withdrawal, request, httpContext, services);
        }
        if (status == PersistenceStatus.PossiblyPersisted && entered)
        {
            // In the draw if Kafka took it; a retry may enter again, which the worker absorbs.
            await services.Withdrawals.WithdrawAsync(request);
            return ApiProblems.OutcomeUnknown(id);
        }
        if (status == PersistenceStatus.PossiblyPersisted)
        {
            // The event may be in Kafka: withdrawing could hand the same coupon out twice. The
            // winner stays in Redis and the reconciler persists it, so the acceptance holds.
            services.Logger.LogWarning("Campaign {CampaignId}: the coupon of user {UserId} kept for the reconciler after an uncertain publish", id, userId);
        }

        return TypedResults.Accepted($"/api/coupons/{id}/issue",
            new IssueStatus(id, entered ? IssueStatus.Entered : IssueStatus.Pending, issued.AcceptedAt));
    }

    // A 503 only when nothing of the request's can become a row; otherwise the client is told the
    // outcome is not known yet, and reads it from GET /api/coupons/{id}/issue later.
    private static ProblemHttpResult Withdrawn(WithdrawalOutcome withdrawal, IssueRequest request, HttpContext httpContext, Services services)
    {
        if (withdrawal != WithdrawalOutcome.Unknown)
            return ApiProblems.Unavailable(httpContext, "The coupon could not be recorded; retry shortly.");
        services.Logger.LogError("Whether campaign {CampaignId}'s coupon was issued to user {UserId} is not known: neither Redis nor MySQL answered in time",
            request.CampaignId, request.UserId);
        return ApiProblems.OutcomeUnknown(request.CampaignId);
    }

    public static ProblemHttpResult Rejected(string code, long id) => code switch
    {
        ProblemCodes.SoldOut => ApiProblems.Conflict(code, "Sold out", $"Campaign {id} has no coupons left."),
        ProblemCodes.NotOpenYet => ApiProblems.Conflict(code, "Not open yet", $"Campaign {id} issues no coupon before its issue window opens."),
        ProblemCodes.Closed => ApiProblems.Conflict(code, "Closed", $"The issue window of campaign {id} has closed."),
        ProblemCodes.AlreadyEntered => ApiProblems.Conflict(code, "Already entered", $"You are already in the draw of campaign {id}."),
        _ => ApiProblems.Conflict(code, "Already issued", $"You already have the coupon of campaign {id}."),
    };
}
