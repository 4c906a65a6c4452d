using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Coupon.Api.Benchmarking;

// The origin's first design: everything in one MySQL transaction that holds the campaign row's
// lock (SELECT ... FOR UPDATE), checks, inserts the issue and counts it. Correct, and every issue
// of a campaign waits for the one before it.
internal sealed class MySqlLockIssue(CouponDbContext db, TimeProvider time) : IComparisonIssue
{
    public const string Name = "mysql-lock";

    // A retrying execution strategy would replay the whole transaction, never a part of it (the
    // api's does not retry: Extensions.cs).
    public Task<ComparisonOutcome> IssueAsync(long campaignId, long userId, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(
            (campaignId, userId), (_, request, ct) => IssueOnceAsync(request.campaignId, request.userId, ct), null, cancellationToken);

    private async Task<ComparisonOutcome> IssueOnceAsync(long campaignId, long userId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Not composed (no LIMIT around it), so the locking clause stays on the statement itself.
        var campaigns = await db.Campaigns
            .FromSql($"SELECT * FROM campaigns WHERE id = {campaignId} FOR UPDATE")
            .ToListAsync(cancellationToken);
        if (campaigns is not [var campaign])
            return ProblemCodes.CouponNotFound;

        var now = time.GetUtcNow();
        if (now.UtcDateTime < campaign.IssueStart)
            return ProblemCodes.NotOpenYet;
        if (now.UtcDateTime >= campaign.IssueEnd)
            return ProblemCodes.Closed;
        if (await db.Issues.AnyAsync(i => i.CampaignId == campaignId && i.UserId == userId, cancellationToken))
            return ProblemCodes.AlreadyIssued;
        if (campaign.TotalQuantity is { } total && campaign.IssuedQuantity >= total)
            return ProblemCodes.SoldOut;

        db.Issues.Add(new CouponIssue { CampaignId = campaignId, UserId = userId, IssuedAt = now.UtcDateTime });
        campaign.IssuedQuantity++;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ComparisonOutcome.Issued(now);
    }
}
