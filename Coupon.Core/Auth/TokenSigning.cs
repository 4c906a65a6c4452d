using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupon.Core.Auth;

// One token authority: an RSA private key (PKCS#8, base64) and the issuer it signs as. There are
// two, each its own key: users (the AppHost's `token` command, the tests, the load tool) and
// operators (the admin console, `token --operator`). The api holds only their public keys
// (TokenTrust). RS256, because the api verifies a token on every issue request and an RSA
// verification costs a fraction of an ECDSA one (bench/README.md measures it).
public sealed class TokenSigning
{
    public const string OperatorRole = "coupon-operator";
    public const string Audience = "coupon-api";
    public const string UserIssuer = "coupon-users";
    public const string OperatorIssuer = "coupon-operators";

    private readonly SigningCredentials _credentials;
    private readonly string _audience;

    public TokenSigning(string issuer, string privateKey, string audience = Audience)
    {
        Issuer = issuer;
        PrivateKey = privateKey;
        _audience = audience;
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKey), out _);
        // The key id names the issuer, so the api finds the key without trying both.
        _credentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = issuer }, SecurityAlgorithms.RsaSha256);
    }

    public string Issuer { get; }

    public string PrivateKey { get; }

    public string PublicKey => PublicKeyOf(PrivateKey);

    public static TokenSigning ForUsers(string privateKey) => new(UserIssuer, privateKey);

    public static TokenSigning ForOperators(string privateKey) => new(OperatorIssuer, privateKey);

    public static string GenerateKey()
    {
        using var rsa = RSA.Create(2048);
        return Convert.ToBase64String(rsa.ExportPkcs8PrivateKey());
    }

    // SubjectPublicKeyInfo, base64: what a verifier is given.
    public static string PublicKeyOf(string privateKey)
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKey), out _);
        return Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    public string CreateUserToken(long userId, TimeSpan lifetime) =>
        Create(userId.ToString(CultureInfo.InvariantCulture), [], lifetime);

    public string CreateOperatorToken(string name, TimeSpan lifetime, DateTime? now = null) =>
        Create(name, [new Claim(ClaimTypes.Role, OperatorRole)], lifetime, now);

    public string Create(string subject, IEnumerable<Claim> claims, TimeSpan lifetime, DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = _audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject), .. claims]),
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            SigningCredentials = _credentials,
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
