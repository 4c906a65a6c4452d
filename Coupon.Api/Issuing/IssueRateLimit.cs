using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Coupon.Api.Infrastructure;
using Coupon.Core.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Coupon.Api.Issuing;

// The per-user limit of the issue path, as a fixed window of counts per user. ASP.NET Core's
// partitioned rate limiter keeps a limiter per user and walks all of them every 100 ms under one
// lock; in a flash sale nearly every request is a user it has not seen, and that walk cost the api
// about a tenth of its CPU under load. Here a window is one dictionary, dropped whole when the
// next window starts, so the cost per request stays flat however many users come.
public sealed class IssueRateLimit(IOptions<IssueRateLimitOptions> options, TimeProvider time)
{
    private readonly UserRequestWindows _windows = new(options.Value.PermitLimit, options.Value.Window, time);

    // A 429 with Retry-After for a user past the limit, otherwise null (the request is counted).
    public ProblemHttpResult? Refuse(long userId, HttpContext http)
    {
        if (_windows.TryAcquire(userId, out var retryAfter))
            return null;
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ApiProblems.Create(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited,
            "Too many requests", "Slow down: too many issue requests from this user.");
    }
}

// Requests per user in fixed windows aligned on the clock.
public sealed class UserRequestWindows(int permitLimit, TimeSpan window, TimeProvider time)
{
    private readonly long _windowTicks = window.Ticks;
    private Window _current = new(0);

    // Counts the request in the current window; false, with the wait until the next, past the limit.
    public bool TryAcquire(long userId, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow().UtcTicks;
        var window = CurrentWindow(now / _windowTicks);
        var count = Interlocked.Increment(ref window.Counts.GetOrAdd(userId, static _ => new StrongBox<int>()).Value);
        retryAfter = TimeSpan.FromTicks((window.Index + 1) * _windowTicks - now);
        return count <= permitLimit;
    }

    // Users counted in the current window (what the limit holds in memory).
    public int UsersInWindow => Volatile.Read(ref _current).Counts.Count;

    private Window CurrentWindow(long index)
    {
        var current = Volatile.Read(ref _current);
        while (current.Index < index)
        {
            // The first request of a new window replaces the old one; racers use whichever won.
            var replaced = Interlocked.CompareExchange(ref _current, new Window(index), current);
            current = replaced == current ? Volatile.Read(ref _current) : replaced;
        }
        return current;
    }

    private sealed class Window(long index)
    {
        public long Index { get; } = index;
        public ConcurrentDictionary<long, StrongBox<int>> Counts { get; } = new();
    }
}
