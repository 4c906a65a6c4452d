using Coupon.Core.Contracts;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using StackExchange.Redis;

namespace Coupon.Api.Infrastructure;

// Turns whatever escaped an endpoint into a problem that tells the client what to do and never
// shows internals: bad requests keep their 4xx, an unreachable dependency is a 503 to retry,
// anything else a bare 500.
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The client went away: nobody is left to answer.
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
            return true;

        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                StatusCodes.Status415UnsupportedMediaType => "The request body must be application/json.",
                _ => "The request could not be read.",
            }),
            _ when IsDependencyFault(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", "A dependency did not answer; retry shortly."),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error", "The request failed unexpectedly."),
        };

        if (status >= 500)
            logger.LogError(exception, "Request {Method} {Path} failed with {Status}", httpContext.Request.Method, httpContext.Request.Path, status);
        if (status == StatusCodes.Status503ServiceUnavailable)
            httpContext.Response.Headers.RetryAfter = ApiProblems.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Extensions = { ["code"] = ApiProblems.CodeFor(status) },
            },
        });
    }

    // Redis, MySQL or a timeout, also when EF wrapped it (its retry limit, a transient error seen
    // without retries) or a cancellation the client did not ask for.
    private static bool IsDependencyFault(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RedisException or MySqlException or DbUpdateException or TimeoutException or OperationCanceledException)
                return true;
        }
        return false;
    }
}
