using Coupon.Admin.Api;
using Coupon.Admin.SignIn;
using Coupon.Core.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupon.Tests.Admin;

public sealed class OperatorSignInTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Only_the_right_user_name_and_password_sign_in()
    {
        var account = new OperatorAccount("operator", "correct horse");

        Assert.False(account.Verify("operator", "wrong"));
        Assert.False(account.Verify("someone", "correct horse"));
        Assert.False(account.Verify(null, null));
        Assert.True(account.Verify("operator", "correct horse"));
    }

    [Fact]
    public void A_missing_operator_in_configuration_fails_at_start_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Admin:Operator:UserName"] = "operator",
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => OperatorAccount.FromConfiguration(configuration));
        Assert.Contains("Admin:Operator:Password", error.Message);
    }

    [Theory]
    [InlineData("/campaigns/7", "/campaigns/7")]
    [InlineData("/", "/")]
    [InlineData(null, "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("/\t/x", "/")]
    [InlineData("/campaigns\n/7", "/")]
    [InlineData("/campaigns/\u0000", "/")]
    [InlineData("", "/")]
    public void Sign_in_only_returns_to_pages_of_this_site(string? returnUrl, string expected) =>
        Assert.Equal(expected, SignInEndpoints.LocalOrHome(returnUrl));

    [Fact]
    public void A_very_long_return_address_goes_home()
    {
        Assert.Equal("/", SignInEndpoints.LocalOrHome("/" + new string('a', 5_000)));
        var longest = "/" + new string('a', SignInEndpoints.MaxReturnUrlLength - 1);
        Assert.Equal(longest, SignInEndpoints.LocalOrHome(longest));
    }

    [Fact]
    public async Task Operator_tokens_carry_the_role_and_are_reused_for_a_minute()
    {
        var key = TokenSigning.GenerateKey();
        var tokens = new OperatorTokens(TokenSigning.ForOperators(key), "operator", _clock);

        var first = tokens.Current();
        _clock.Now += TimeSpan.FromSeconds(59);
        Assert.Same(first, tokens.Current());
        _clock.Now += TimeSpan.FromSeconds(1);
        Assert.NotEqual(first, tokens.Current());

        // As the api verifies it, with the public keys only.
        var trust = new TokenTrust(TokenSigning.PublicKeyOf(TokenSigning.GenerateKey()), TokenSigning.PublicKeyOf(key));
        var parameters = trust.ValidationParameters(TimeSpan.Zero);
        // The token was minted on the test's clock, not now.
        parameters.ValidateLifetime = false;
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(first, parameters);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(TokenSigning.OperatorRole, validation.ClaimsIdentity.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value);
    }

    [Fact]
    public void The_operators_key_is_the_only_setting_and_signs_as_the_operators_issuer()
    {
        var key = TokenSigning.GenerateKey();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create(OperatorTokens.KeySetting, (string?)key)])
            .Build();

        var signing = OperatorTokens.SigningFrom(configuration);

        Assert.Equal((TokenSigning.OperatorIssuer, key), (signing.Issuer, signing.PrivateKey));
        var error = Assert.Throws<InvalidOperationException>(() => OperatorTokens.SigningFrom(new ConfigurationBuilder().Build()));
        Assert.Contains(OperatorTokens.KeySetting, error.Message);
    }
}
