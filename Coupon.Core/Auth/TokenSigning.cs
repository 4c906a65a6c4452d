using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupon.Core.Auth;

// The development token authority: the AppHost generates one key, hands it to api and admin in
// ASP.NET Core's standard `Authentication:Schemes:Bearer` configuration, and signs tokens with it
// (the `token` command, the admin console's operator calls, the tests and the load tool).
public sealed record TokenSigning(string Issuer, string Audience, string KeyBase64)
{
    public const string OperatorRole = "coupon-operator";
    public const string DefaultIssuer = "coupon-dev";
    public const string DefaultAudience = "coupon-api";

    public static TokenSigning Generate() =>
        new(DefaultIssuer, DefaultAudience, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    public string CreateUserToken(long userId, TimeSpan lifetime) =>
        Create(userId.ToString(System.Globalization.CultureInfo.InvariantCulture), [], lifetime);

    public string CreateOperatorToken(string name, TimeSpan lifetime) =>
        Create(name, [new Claim(ClaimTypes.Role, OperatorRole)], lifetime);

    public string Create(string subject, IEnumerable<Claim> claims, TimeSpan lifetime, DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var identity = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject), .. claims]);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = identity,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Convert.FromBase64String(KeyBase64)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    // The keys JwtBearer reads from configuration (the same shape `dotnet user-jwts` writes),
    // spelled as environment variables.
    public IReadOnlyDictionary<string, string> ToEnvironment() => new Dictionary<string, string>
    {
        ["Authentication__Schemes__Bearer__ValidIssuer"] = Issuer,
        ["Authentication__Schemes__Bearer__ValidAudiences__0"] = Audience,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = Issuer,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = KeyBase64,
    };
}
