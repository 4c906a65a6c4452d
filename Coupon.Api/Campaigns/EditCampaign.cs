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
// version is a 412 edit-conflict. The row changes in a transaction (the version column is EF's
// concurrency token); the Redis meta changes by a script that also refuses a quantity below the
// accepted count, atomically with issuing; the transaction commits only when Redis took the edit.
// When the Redis write or the commit fails without a definite answer, the new meta is dropped:
// the campaign answers 503 to issuers until the worker has rebuilt it from what MySQL holds.
public static class EditCampaign
{
    public static async Task<Results<Ok<CampaignView>, ValidationProblem, ProblemHttpResult>> Handle(
        long id, CampaignRequest request, HttpContext httpContext, CouponDbContext db, CampaignRedisState state,
        CampaignCache cache, CampaignViews views, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = CampaignRules.Validate(request);
        if (errors.Count > 0)
            return ApiProblems.Invalid(errors);

        // Through the execution strategy: a retrying one reruns the whole unit, Redis update included
        // (it is idempotent). The api's answers 503 at the first error instead (Extensions.cs).
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
        var campaign = id > 0 ? await db.Campaigns.FirstOrDefaultAsync(c => c.Id == id, cancellationToken) : null;
        if (campaign is null)
            return ApiProblems.NotFound(id);
        if (!CampaignETag.Matches(httpContext.Request, campaign.Version))
            return ApiProblems.EditConflict(id);

        campaign.Apply(request, time.GetUtcNow().UtcDateTime);
        campaign.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblems.EditConflict(id);
        }

        var meta = CampaignMeta.From(campaign);
        MetaUpdate result;
        long accepted;
        try
        {
            (result, accepted) = await state.UpdateAsync(meta);
        }
        catch
        {
            // The script may have run: the transaction rolls back, so its meta must go too.
            await InvalidateAsync(state, meta, logger);
            throw;
        }
        switch (result)
        {
            case MetaUpdate.BelowAccepted:
                return ApiProblems.Invalid(new Dictionary<string, string[]>
                {
                    ["totalQuantity"] = [$"Total quantity cannot be below the {accepted} coupons already accepted."],
                }, ProblemCodes.QuantityBelowAccepted);
            case MetaUpdate.Lost:
                return ApiProblems.Unavailable(httpContext, "This campaign is being restored; edit it again shortly.");
        }

        try
        {
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch
        {
            // Committed or not, nobody can tell: the worker rebuilds the meta from what MySQL kept.
            await InvalidateAsync(state, meta, logger);
            throw;
        }

        cache.Set(campaign);
        CampaignETag.Set(httpContext.Response, campaign.Version);
        return TypedResults.Ok(views.ToView(campaign, accepted));
    }

    // When Redis cannot be reached for this either, the worker finds the mismatched version itself.
    private static async Task InvalidateAsync(CampaignRedisState state, CampaignMeta meta, ILogger logger)
    {
        try
        {
            await state.InvalidateAsync(meta.CouponId, meta.Version);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "The Redis meta of campaign {CouponId} version {Version} may disagree with MySQL; the worker rebuilds it",
                meta.CouponId, meta.Version);
        }
    }
}
