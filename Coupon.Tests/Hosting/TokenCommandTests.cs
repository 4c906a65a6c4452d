using System.Text.Json.Nodes;
using Coupon.Testing;
using Coupon.AppHost.Hosting;
using Coupon.Core.Auth;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Coupon.Tests.Hosting;

// `dotnet run --project Coupon.AppHost -- token …` signs user tokens with the user-token-key
// parameter and operator tokens with the operator-token-key parameter the stack uses: RSA keys
// generated once and kept in the AppHost's user secrets (here a store of the test's own).
// TokenAuthorityTests shows the running stack accepting them.
public sealed class TokenCommandTests : IDisposable
{
    private readonly string _userSecretsId = $"coupon-token-tests-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_user_token_carries_the_user_id_and_is_signed_by_the_stored_users_key()
    {
        var lines = await RunAsync("--user", "42");

        var token = await ValidateAsync(Assert.Single(lines));
        Assert.Equal("42", token.Subject);
        Assert.Equal(TokenSigning.UserIssuer, token.Issuer);
        Assert.Equal(TokenSigning.UserIssuer, token.Kid);
        Assert.Equal("RS256", token.Alg);
    }

    [Fact]
    public async Task A_range_gives_one_token_per_user_in_order()
    {
        var lines = await RunAsync("--users", "7-9");

        Assert.Equal(["7", "8", "9"], await Task.WhenAll(lines.Select(async line => (await ValidateAsync(line)).Subject)));
    }

    [Fact]
    public async Task An_operator_token_has_the_operator_role()
    {
        var lines = await RunAsync("--operator");

        var token = await ValidateAsync(Assert.Single(lines));
        Assert.Contains(token.Claims, claim => claim.Value == TokenSigning.OperatorRole);
        Assert.Equal(TokenSigning.OperatorIssuer, token.Issuer);
    }

    [Fact]
    public async Task Given_keys_are_the_ones_that_sign_and_are_not_stored()
    {
        var keys = DevelopmentTokenKeys.Generate();

        var user = Assert.Single(await RunAsync(["--user", "7", .. keys.Arguments]));
        var @operator = Assert.Single(await RunAsync(["--operator", .. keys.Arguments]));

        Assert.Equal("7", (await ValidateAsync(user, keys)).Subject);
        Assert.Equal(DevelopmentTokens.OperatorUserName, (await ValidateAsync(@operator, keys)).Subject);
        // Nothing was generated, so nothing was stored.
        var stored = File.Exists(SecretsFile) ? await File.ReadAllTextAsync(SecretsFile) : "";
        Assert.DoesNotContain("-token-key", stored, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(Path.GetDirectoryName(SecretsFile)))
            Directory.Delete(Path.GetDirectoryName(SecretsFile)!, recursive: true);
    }

    private string SecretsFile => Path.Combine(AppHostProcess.UserSecretsFolder(_userSecretsId), "secrets.json");

    private Task<string[]> RunAsync(params string[] options) => AppHostProcess.TokenAsync(options, _userSecretsId);

    // As the api verifies: with the public halves of the keys the command generated and stored,
    // the same ones the running stack reads, each trusted for its own issuer only.
    private async Task<JsonWebToken> ValidateAsync(string token, DevelopmentTokenKeys? keys = null)
    {
        var trust = keys is null
            ? new TokenTrust(await StoredPublicKeyAsync(DevelopmentTokens.UserKeyName), await StoredPublicKeyAsync(DevelopmentTokens.OperatorKeyName))
            : new TokenTrust(keys.Users.PublicKey, keys.Operators.PublicKey);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, trust.ValidationParameters(TimeSpan.Zero));
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    // A key the command has not needed yet is not stored; any stand-in is then trusted for nothing.
    private async Task<string> StoredPublicKeyAsync(string name) =>
        TokenSigning.PublicKeyOf((string?)JsonNode.Parse(await File.ReadAllTextAsync(SecretsFile))![$"Parameters:{name}"] ?? TokenSigning.GenerateKey());
}
