using System.Data.Common;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Coupon.Bench.LockStrategies;

// POST /api/coupons/{id}/issue with the configured strategy, with the api's authentication and
// the same answers as the api's endpoint (202 + IssueStatus, or its problems). Like the origin,
// no rate limit and no answer before the token is read.
internal static class ComparisonIssueEndpoint
{
    public static async Task<IResult> IssueAsync(long campaignId, HttpContext context, IComparisonIssue strategy)
    {
        var authentication = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!authentication.Succeeded || !authentication.Principal.TryGetUserId(out var userId))
        {
            return ApiProblems.Create(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized,
                "Unauthorized", "A valid bearer token is required.");
        }
        if (campaignId <= 0)
            return ApiProblems.NotFound(campaignId);

        ComparisonOutcome outcome;
        try
        {
            outcome = await strategy.IssueAsync(campaignId, userId, context.RequestAborted);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or RedisException)
        {
            // A failing server is a 503, as on the api.
            outcome = ProblemCodes.Unavailable;
        }
        return outcome.Problem switch
        {
            null => TypedResults.Accepted($"/api/coupons/{campaignId}/issue",
                new IssueStatus(campaignId, IssueStatus.Pending, outcome.AcceptedAt)),
            ProblemCodes.CouponNotFound => ApiProblems.NotFound(campaignId),
            ProblemCodes.Unavailable => ApiProblems.Unavailable(context, "The coupon could not be issued safely; retry shortly."),
            var problem => ApiProblems.Conflict(problem, "The coupon cannot be issued", $"Coupon {campaignId}: {problem}."),
        };
    }
}
