using Coupon.Core.Auth;

namespace Coupon.Admin.Api;

// Mints the operator token the api expects, signed with the operators' key: the only key the
// admin holds, so it can mint no user's token. Tokens live two minutes and are reused for one,
// so a busy console signs about once a minute, and a leaked token is soon worthless.
public sealed class OperatorTokens(TokenSigning signing, string subject, TimeProvider time)
{
    public const string KeySetting = "Admin:OperatorTokenKey";

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
                current = (signing.CreateOperatorToken(subject, Lifetime, now.UtcDateTime), now);
                _current = current;
            }
            return current.Token;
        }
    }

    // The operators' private key the AppHost hands the admin (its operator-token-key parameter).
    public static TokenSigning SigningFrom(IConfiguration configuration) =>
        configuration[KeySetting] is { Length: > 0 } key
            ? TokenSigning.ForOperators(key)
            : throw new InvalidOperationException(
                $"Configuration '{KeySetting}' is missing: the admin console needs it to sign its calls to the api (the AppHost sets it).");
}

public sealed class OperatorTokenHandler(OperatorTokens tokens) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new("Bearer", tokens.Current());
        return base.SendAsync(request, cancellationToken);
    }
}
