namespace Coupon.Api.Infrastructure;

// Every api request's cancellation token (what the endpoints pass to EF and MySqlConnector) fires
// after Api:RequestDeadline as well as when the client goes away: a hung MySQL answers 503 +
// Retry-After (ApiExceptionHandler) instead of holding the request for the connector's own
// timeouts (15 s to open a connection, 30 s a command).
public sealed class RequestDeadline(RequestDelegate next, IConfiguration configuration)
{
    private readonly TimeSpan _limit = configuration.GetValue("Api:RequestDeadline", TimeSpan.FromSeconds(2));

    public async Task InvokeAsync(HttpContext context)
    {
        var clientAborted = context.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        deadline.CancelAfter(_limit);
        context.RequestAborted = deadline.Token;
        try
        {
            await next(context);
        }
        finally
        {
            // The exception handler, outside, writes its answer with the client's own token.
            context.RequestAborted = clientAborted;
        }
    }
}
