using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using StackExchange.Redis;

namespace Coupon.Api.Campaigns;

// POST /api/admin/coupons. MySQL holds the truth: the row commits first, then its Redis state is
// written. Should that write fail, the campaign answers 503 to issuers until the worker's
// rebuilder writes the state from MySQL (it rebuilds any live campaign without meta), so the two
// stores always end up agreeing. An Idempotency-Key makes a retried create (its answer lost, or a
// 503 after the commit) answer with the campaign the first attempt made instead of a second one.
public static class CreateCampaign
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static async Task<Results<Created<CampaignView>, ValidationProblem>> Handle(
        CampaignRequest request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, HttpContext httpContext,
        CouponDbContext db, CampaignRedisState state, CampaignCache cache, CampaignViews views, TimeProvider time,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = CampaignRules.Validate(request);
        if (errors.Count == 0)
            errors = CampaignRules.DrawWindowOver(request, time.GetUtcNow());
        if (idempotencyKey is not null && CampaignRules.IdempotencyKeyError(idempotencyKey) is { } keyError)
            errors[IdempotencyKeyHeader] = [keyError];
        if (errors.Count > 0)
            return ApiProblems.Invalid(errors);

        if ((idempotencyKey is null || !await db.Campaigns.AnyAsync(c => c.IdempotencyKey == idempotencyKey, cancellationToken))
            && await InsertAsync(request, idempotencyKey, db, time.GetUtcNow().UtcDateTime, cancellationToken) is { } created)
        {
            await AddRedisStateAsync(state, created, loggers.CreateLogger(typeof(CreateCampaign)));
            return Answer(created, accepted: 0, httpContext, cache, views);
        }

        // A replay: the campaign the first attempt made, maybe edited and issued from since.
        var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.IdempotencyKey == idempotencyKey, cancellationToken);
        return Answer(campaign, await state.AcceptedAsync(campaign.Id), httpContext, cache, views);
    }

    private static Created<CampaignView> Answer(Campaign campaign, long accepted, HttpContext httpContext, CampaignCache cache, CampaignViews views)
    {
        cache.Set(campaign);
        CampaignETag.Set(httpContext.Response, campaign.Version);
        return TypedResults.Created($"/api/admin/coupons/{campaign.Id}", views.ToView(campaign, accepted));
    }

    // The new row, or null when a create with the same key committed first (a retry that raced it).
    private static async Task<Campaign?> InsertAsync(
        CampaignRequest request, string? idempotencyKey, CouponDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var created = new Campaign { Title = request.Title!, CreatedAt = now, IdempotencyKey = idempotencyKey };
        created.Apply(request, now);
        db.Campaigns.Add(created);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return created;
        }
        catch (DbUpdateException e) when (idempotencyKey is not null
            && e.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry })
        {
            db.ChangeTracker.Clear();
            return null;
        }
    }

    // Only for the row this request inserted (a replay's state may hold winners), and only where
    // the meta is absent: a state the worker rebuilt meanwhile is never overwritten.
    private static async Task AddRedisStateAsync(CampaignRedisState state, Campaign campaign, ILogger logger)
    {
        try
        {
            await state.AddAsync(CampaignMeta.From(campaign));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Campaign {CampaignId} is created, but its Redis state was not written; the worker rebuilds it", campaign.Id);
        }
    }
}
