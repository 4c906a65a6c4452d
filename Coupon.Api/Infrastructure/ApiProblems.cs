using Coupon.Core.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupon.Api.Infrastructure;

// Problem responses with the stable `code` extension clients switch on.
public static class ApiProblems
{
    // Seconds a client should wait before retrying a 503; Redis or Kafka hiccups are short.
    public const int RetryAfterSeconds = 1;

    public static ProblemHttpResult NotFound(long campaignId) =>
        Create(StatusCodes.Status404NotFound, ProblemCodes.CouponNotFound, "Coupon not found", $"There is no coupon campaign {campaignId}.");

    public static ProblemHttpResult Conflict(string code, string title, string detail) =>
        Create(StatusCodes.Status409Conflict, code, title, detail);

    // The edit was made against a version someone else has since replaced.
    public static ProblemHttpResult EditConflict(long campaignId) =>
        Create(StatusCodes.Status412PreconditionFailed, ProblemCodes.EditConflict, "Edited meanwhile",
            $"Campaign {campaignId} was changed by someone else since it was loaded; reload it and edit again.");

    public static ProblemHttpResult Unavailable(HttpContext context, string detail, string code = ProblemCodes.Unavailable)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status503ServiceUnavailable, code, "Temporarily unavailable", detail);
    }

    // Between a draw window's end and the draw, which the worker makes within seconds.
    public static ProblemHttpResult Drawing(HttpContext context, long campaignId) =>
        Unavailable(context, $"The draw of campaign {campaignId} is being made; retry in a few seconds.", ProblemCodes.Drawing);

    // The api could not learn in time whether the coupon was recorded: it may or may not be.
    public static ProblemHttpResult OutcomeUnknown(long campaignId) =>
        Create(StatusCodes.Status504GatewayTimeout, ProblemCodes.OutcomeUnknown, "Outcome not known yet",
            $"Whether campaign {campaignId}'s coupon was issued to you (or you entered its draw) is not known yet; GET /api/coupons/{campaignId}/issue tells shortly.");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors, string code = ProblemCodes.ValidationFailed) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid", extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult Create(int status, string code, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });

    // The code of a problem that was not given one explicitly (status code pages, framework errors).
    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ProblemCodes.Unauthorized,
        StatusCodes.Status403Forbidden => ProblemCodes.Forbidden,
        StatusCodes.Status404NotFound => ProblemCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => ProblemCodes.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ProblemCodes.BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ProblemCodes.UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => ProblemCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ProblemCodes.Unavailable,
        >= 500 => ProblemCodes.InternalError,
        _ => ProblemCodes.BadRequest,
    };
}
