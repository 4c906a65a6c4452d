using Coupon.Core.Auth;

namespace Coupon.Admin.Api;

// Mints the operator token the api expects, signed with the development key the AppHost hands
// to both api and admin. Tokens live two minutes and are reused for one, so a busy console
// signs about once a minute, and a leaked token is soon worthless.
public sealed class OperatorTokens(TokenSigning signing, string subject, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Reuse = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private (string Token, DateTimeOffset MintedAt)? _current;

    public string Current()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_current is not { } current || now - current.MintedAt >= Reuse)
            {
                current = (signing.Create(subject, [new(System.Security.Claims.ClaimTypes.Role, TokenSigning.OperatorRole)], Lifetime, now.UtcDateTime), now);
                _current = current;
            }
            return current.Token;
        }
    }

    // The same `Authentication:Schemes:Bearer` keys the api's JwtBearer reads.
    public static TokenSigning SigningFrom(IConfiguration configuration)
    {
        var bearer = configuration.GetSection("Authentication:Schemes:Bearer");
        string Required(string key) => bearer[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Configuration 'Authentication:Schemes:Bearer:{key}' is missing: the admin console needs it to sign its calls to the api (the AppHost sets it).");

        return new TokenSigning(Required("ValidIssuer"), Required("ValidAudiences:0"), Required("SigningKeys:0:Value"));
    }
}

public sealed class OperatorTokenHandler(OperatorTokens tokens) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new("Bearer", tokens.Current());
        return base.SendAsync(request, cancellationToken);
    }
}
