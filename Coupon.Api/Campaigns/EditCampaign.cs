using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Coupon.Api.Campaigns;

// PUT /api/admin/coupons/{id}, with If-Match: the ETag (version) the client loaded; another
// version is a 412 edit-conflict. Without If-Match the edit applies to whatever is current: the
// row is locked from its read to the commit, so concurrent edits apply one after another.
// MySQL is the truth and Redis follows it, with the version both carry: before the commit the
// Redis meta is narrowed to what both the old and the new version allow (a script that also
// refuses a quantity below the accepted count, atomically with issuing), so a commit that fails
// or hangs leaves nothing live that MySQL may not keep; after it, the new version goes live.
// Whatever of that Redis could not take, the worker writes from MySQL's row.
public static class EditCampaign
{
    public static async Task<Results<Ok<CampaignView>, ValidationProblem, ProblemHttpResult>> Handle(
        long id, CampaignRequest request, HttpContext httpContext, CouponDbContext db, CampaignRedisState state,
        CampaignCache cache, CampaignViews views, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = CampaignRules.Validate(request);
        if (errors.Count > 0)
            return ApiProblems.Invalid(errors);

        // Through the execution strategy: a retrying one reruns the whole unit, Redis steps
        // included (a new token each time). The api's answers 503 at the first error instead (Extensions.cs).
        var logger = loggers.CreateLogger(typeof(EditCampaign));
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(
            ct => EditAsync(id, request, httpContext, db, state, cache, views, time, logger, ct), cancellationToken);
    }

    private static async Task<Results<Ok<CampaignView>, ValidationProblem, ProblemHttpResult>> EditAsync(
        long id, CampaignRequest request, HttpContext httpContext, CouponDbContext db, CampaignRedisState state,
        CampaignCache cache, CampaignViews views, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Not composed (no LIMIT around it): the lock is the statement's own.
        var campaign = id > 0
            ? (await db.Campaigns.FromSql($"SELECT * FROM campaigns WHERE id = {id} FOR UPDATE").ToListAsync(cancellationToken)).SingleOrDefault()
            : null;
        if (campaign is null)
            return ApiProblems.NotFound(id);
        if (!CampaignETag.Matches(httpContext.Request, campaign.Version))
            return ApiProblems.EditConflict(id);
        var now = time.GetUtcNow().UtcDateTime;
        if (ChangesOpening(campaign, request))
        {
            if (!campaign.OpeningChangeable(now))
                return ApiProblems.Conflict(ProblemCodes.OpeningLocked, "Opening locked",
                    $"The issue window of campaign {id} has opened: its opening mode, draw window and (for a draw) issue start stay as they are.");
            if (CampaignRules.DrawWindowOver(request, time.GetUtcNow()) is { Count: > 0 } over)
                return ApiProblems.Invalid(over);
        }

        var held = CampaignMeta.From(campaign);
        campaign.Apply(request, now);
        campaign.Version++;
        await db.SaveChangesAsync(cancellationToken);

        var meta = CampaignMeta.From(campaign);
        var token = Guid.NewGuid().ToString("N");
        MetaUpdate result;
        long accepted;
        try
        {
            (result, accepted) = await state.ProposeAsync(meta, token);
        }
        catch
        {
            // The script may have run: the transaction rolls back, so the held version goes live again.
            await ApplyAsync(state, held, token, logger);
            throw;
        }
        switch (result)
        {
            case MetaUpdate.BelowAccepted:
                return ApiProblems.Invalid(new Dictionary<string, string[]>
                {
                    ["totalQuantity"] = [$"Total quantity cannot be below the {accepted} coupons already accepted."],
                }, ProblemCodes.QuantityBelowAccepted);
            case not MetaUpdate.Updated:
                // Lost, or a newer version than MySQL's: the worker rebuilds it from MySQL.
                return ApiProblems.Unavailable(httpContext, "This campaign is being restored; edit it again shortly.");
        }

        // Committed or not when this fails, nobody can tell: the narrowed meta is within both, and
        // the worker writes the version MySQL kept once the row is no longer locked.
        await transaction.CommitAsync(CancellationToken.None);
        await ApplyAsync(state, meta, token, logger);

        cache.Set(campaign);
        CampaignETag.Set(httpContext.Response, campaign.Version);
        return TypedResults.Ok(await views.ToViewAsync(campaign, accepted));
    }

    // Entering and the draw's time follow from these; a draw's issue start is among them.
    private static bool ChangesOpening(Campaign campaign, CampaignRequest request) =>
        (request.OpeningMode ?? OpeningMode.FirstCome) != campaign.OpeningMode
        || (campaign.OpeningMode == OpeningMode.Draw
            && (request.DrawWindowSeconds != campaign.DrawWindowSeconds || request.IssueStart!.Value.UtcDateTime != campaign.IssueStart));

    // Refused when the edit's narrowing is not live (it never ran, or the worker has applied the
    // version already); when Redis cannot be reached, the worker finds the pending edit itself.
    private static async Task ApplyAsync(CampaignRedisState state, CampaignMeta meta, string token, ILogger logger)
    {
        try
        {
            await state.ApplyAsync(meta, token);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "The Redis meta of campaign {CampaignId} may be narrower than version {Version} in MySQL; the worker writes it",
                meta.CampaignId, meta.Version);
        }
    }
}
