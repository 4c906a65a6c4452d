using System.Data.Common;
using System.Globalization;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Coupon.Api.Benchmarking;

// Answers POST /api/coupons/{id}/issue with the configured comparison strategy, ahead of the
// normal pipeline, with the same authentication and the same answers as the real endpoint.
internal sealed class ComparisonIssueRoute : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (!HttpMethods.IsPost(context.Request.Method) || !TryMatch(context.Request.Path, out var campaignId))
            {
                await nextMiddleware(context);
                return;
            }
            var result = await IssueAsync(context, campaignId);
            await result.ExecuteAsync(context);
        });
        next(app);
    };

    private static async Task<IResult> IssueAsync(HttpContext context, long campaignId)
    {
        var authentication = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!authentication.Succeeded || !authentication.Principal.TryGetUserId(out var userId))
        {
            return ApiProblems.Create(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized,
                "Unauthorized", "A valid bearer token is required.");
        }

        var strategy = context.RequestServices.GetRequiredService<IComparisonIssue>();
        ComparisonOutcome outcome;
        try
        {
            outcome = await strategy.IssueAsync(campaignId, userId, context.RequestAborted);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or RedisException)
        {
            // This middleware runs ahead of the exception handler: a failing server is a 503 here too.
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

    // "/api/coupons/{id}/issue" with a positive numeric id; anything else goes to the normal routes.
    private static bool TryMatch(PathString path, out long campaignId)
    {
        campaignId = 0;
        var segments = path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments is ["api", "coupons", var id, "issue"]
            && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out campaignId)
            && campaignId > 0;
    }
}
