using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Coupon.Admin.SignIn;

// A circuit keeps the operator it was opened for; this asks every interval whether that
// session still holds, so signing out in one tab, or the session expiring, sends every open tab
// to sign-in (through AuthorizeRouteView's NotAuthorized) instead of leaving it working.
public sealed class OperatorSessionRevalidation(ILoggerFactory loggers, OperatorSessions sessions, TimeSpan interval)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    public const string IntervalKey = "Admin:SignIn:RevalidationInterval";
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    protected override TimeSpan RevalidationInterval => interval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        Task.FromResult(sessions.IsActive(authenticationState.User));
}
