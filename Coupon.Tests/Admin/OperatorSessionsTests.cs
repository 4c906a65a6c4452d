using System.Security.Claims;
using Coupon.Admin.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Time.Testing;

namespace Coupon.Tests.Admin;

public sealed class OperatorSessionsTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_session_holds_until_it_expires_or_is_signed_out()
    {
        var sessions = new OperatorSessions(_time);
        var (kept, keptKey) = await SignInAsync(sessions);
        var (signedOut, signedOutKey) = await SignInAsync(sessions);

        Assert.True(sessions.IsActive(kept));
        await sessions.RemoveAsync(signedOutKey);
        Assert.False(sessions.IsActive(signedOut));
        Assert.Null(await sessions.RetrieveAsync(signedOutKey));

        _time.Advance(Lifetime);
        Assert.False(sessions.IsActive(kept));
        Assert.Null(await sessions.RetrieveAsync(keptKey));
    }

    [Fact]
    public async Task Renewing_slides_the_expiry_but_never_brings_back_a_signed_out_session()
    {
        var sessions = new OperatorSessions(_time);
        var (user, key) = await SignInAsync(sessions);

        _time.Advance(Lifetime / 2);
        await sessions.RenewAsync(key, Ticket(user));
        _time.Advance(Lifetime / 2);
        Assert.True(sessions.IsActive(user));

        await sessions.RemoveAsync(key);
        await sessions.RenewAsync(key, Ticket(user));
        Assert.False(sessions.IsActive(user));
    }

    [Fact]
    public async Task Expired_sessions_are_dropped_at_the_next_sign_in()
    {
        var sessions = new OperatorSessions(_time);
        for (var i = 0; i < 10; i++)
            await SignInAsync(sessions);

        _time.Advance(Lifetime);
        await SignInAsync(sessions);

        Assert.Equal(1, sessions.Count);
    }

    private async Task<(ClaimsPrincipal User, string Key)> SignInAsync(OperatorSessions sessions)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), OperatorSessions.NewIdClaim()], "Cookies"));
        return (user, await sessions.StoreAsync(Ticket(user)));
    }

    private AuthenticationTicket Ticket(ClaimsPrincipal user) =>
        new(user, new AuthenticationProperties { ExpiresUtc = _time.GetUtcNow() + Lifetime }, "Cookies");
}
