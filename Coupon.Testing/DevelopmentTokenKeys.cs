using Coupon.Core.Auth;

namespace Coupon.Testing;

// Both token authorities at once, for what plays users and operators against a stack it started
// with these keys (the bench, the tests); no service ever holds both.
public sealed record DevelopmentTokenKeys(TokenSigning Users, TokenSigning Operators)
{
    public static DevelopmentTokenKeys Generate() =>
        new(TokenSigning.ForUsers(TokenSigning.GenerateKey()), TokenSigning.ForOperators(TokenSigning.GenerateKey()));

    // The AppHost's parameters that make its stack trust these keys.
    public IEnumerable<string> Arguments =>
    [
        $"--Parameters:{Coupon.AppHost.Hosting.DevelopmentTokens.UserKeyName}={Users.PrivateKey}",
        $"--Parameters:{Coupon.AppHost.Hosting.DevelopmentTokens.OperatorKeyName}={Operators.PrivateKey}",
    ];

    public string CreateUserToken(long userId, TimeSpan lifetime) => Users.CreateUserToken(userId, lifetime);

    public string CreateOperatorToken(string name, TimeSpan lifetime) => Operators.CreateOperatorToken(name, lifetime);
}
