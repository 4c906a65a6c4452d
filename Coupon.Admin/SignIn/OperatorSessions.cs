using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Coupon.Admin.SignIn;

// The sign-in sessions, kept by the console (the cookie's session store): the cookie carries
// only a session id, so signing out ends the session for every tab and every copy of the
// cookie, and open circuits can ask whether theirs still holds (OperatorSessionRevalidation).
// In memory: restarting the console signs the operators out. Only the right password adds a
// session, and expired ones are dropped at each sign-in, so strangers cannot grow it.
public sealed class OperatorSessions(TimeProvider time) : ITicketStore
{
    public const string IdClaim = "coupon-admin-session";

    private readonly ConcurrentDictionary<string, AuthenticationTicket> _tickets = new();

    public int Count => _tickets.Count;

    public static Claim NewIdClaim() => new(IdClaim, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    public bool IsActive(ClaimsPrincipal user) =>
        user.FindFirst(IdClaim)?.Value is { } id && _tickets.TryGetValue(id, out var ticket) && !HasExpired(ticket);

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        foreach (var (id, stored) in _tickets)
        {
            if (HasExpired(stored))
                _tickets.TryRemove(id, out _);
        }
        var key = ticket.Principal.FindFirst(IdClaim)?.Value
            ?? throw new InvalidOperationException($"A sign-in needs its {IdClaim} claim (OperatorSessions.NewIdClaim).");
        _tickets[key] = ticket;
        return Task.FromResult(key);
    }

    // Sliding expiration: the cookie handler renews the ticket; a session ended meanwhile stays ended.
    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        if (_tickets.TryGetValue(key, out var current))
            _tickets.TryUpdate(key, ticket, current);
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) =>
        Task.FromResult(_tickets.TryGetValue(key, out var ticket) && !HasExpired(ticket) ? ticket : null);

    public Task RemoveAsync(string key)
    {
        _tickets.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private bool HasExpired(AuthenticationTicket ticket) =>
        ticket.Properties.ExpiresUtc is not { } expires || expires <= time.GetUtcNow();
}
