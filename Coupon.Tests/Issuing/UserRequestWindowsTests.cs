using Coupon.Api.Issuing;
using Microsoft.Extensions.Time.Testing;

namespace Coupon.Tests.Issuing;

// The counting behind the issue endpoint's per-user limit (the 429 itself: RateLimitTests).
public sealed class UserRequestWindowsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_user_gets_the_limit_per_window_and_is_told_when_the_next_one_starts()
    {
        var windows = new UserRequestWindows(permitLimit: 3, TimeSpan.FromSeconds(1), _time);
        _time.Advance(TimeSpan.FromMilliseconds(250));

        Assert.All(Enumerable.Range(0, 3), attempt => Assert.True(windows.TryAcquire(7, out _)));
        Assert.False(windows.TryAcquire(7, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(750), retryAfter);
        Assert.True(windows.TryAcquire(8, out _));

        _time.Advance(retryAfter);
        Assert.True(windows.TryAcquire(7, out _));
    }

    [Fact]
    public void A_new_window_forgets_the_users_of_the_last_one()
    {
        var windows = new UserRequestWindows(permitLimit: 1, TimeSpan.FromSeconds(1), _time);
        foreach (var user in Enumerable.Range(1, 10_000))
            Assert.True(windows.TryAcquire(user, out _));
        Assert.Equal(10_000, windows.UsersInWindow);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(windows.TryAcquire(1, out _));
        Assert.Equal(1, windows.UsersInWindow);
    }

    [Fact]
    public async Task Concurrent_requests_of_one_user_never_pass_the_limit()
    {
        var windows = new UserRequestWindows(permitLimit: 10, TimeSpan.FromMinutes(1), _time);
        var passed = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => Task.Run(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                if (windows.TryAcquire(42, out _))
                    Interlocked.Increment(ref passed);
            }
        })));
        Assert.Equal(10, passed);
    }
}
