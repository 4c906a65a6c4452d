using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Coupon.Core.Auth;

// What verifying Coupon's tokens takes: the two public keys, nothing that can sign. Issuers,
// audience and algorithm are fixed here, so they are validated whatever the configuration holds,
// and each key is trusted for its own issuer only.
public sealed record TokenTrust(string UserPublicKey, string OperatorPublicKey)
{
    public TokenValidationParameters ValidationParameters(TimeSpan clockSkew) => new()
    {
        ValidateIssuer = true,
        ValidIssuers = [TokenSigning.UserIssuer, TokenSigning.OperatorIssuer],
        ValidateAudience = true,
        ValidAudience = TokenSigning.Audience,
        ValidateLifetime = true,
        ClockSkew = clockSkew,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        IssuerSigningKeys = [Key(TokenSigning.UserIssuer, UserPublicKey), Key(TokenSigning.OperatorIssuer, OperatorPublicKey)],
        // A token naming the operators' issuer but signed with the users' key is refused.
        IssuerSigningKeyValidator = (key, token, _) => key.KeyId == token.Issuer,
    };

    private static RsaSecurityKey Key(string issuer, string publicKey)
    {
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey), out _);
        return new RsaSecurityKey(rsa) { KeyId = issuer };
    }
}
