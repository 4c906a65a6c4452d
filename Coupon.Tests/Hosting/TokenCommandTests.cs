using System.Text.Json.Nodes;
using Coupon.Core.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupon.Tests.Hosting;

// `dotnet run --project Coupon.AppHost -- token …` signs with the jwt-signing-key parameter the
// stack uses: generated once and kept in the AppHost's user secrets (here a store of the test's own).
public sealed class TokenCommandTests : IDisposable
{
    private readonly string _userSecretsId = $"coupon-token-tests-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_user_token_carries_the_user_id_and_validates_with_the_stored_key()
    {
        var lines = await RunAsync("--user", "42");

        var token = await ValidateAsync(Assert.Single(lines));
        Assert.Equal("42", token.Subject);
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
    }

    [Fact]
    public async Task A_given_key_is_the_one_that_signs()
    {
        var key = TokenSigning.Generate().KeyBase64;

        var token = Assert.Single(await RunAsync("--user", "7", $"--Parameters:jwt-signing-key={key}"));

        Assert.Equal("7", (await ValidateAsync(token, key)).Subject);
        Assert.DoesNotContain("jwt-signing-key", File.Exists(SecretsFile) ? await File.ReadAllTextAsync(SecretsFile) : "", StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(Path.GetDirectoryName(SecretsFile)))
            Directory.Delete(Path.GetDirectoryName(SecretsFile)!, recursive: true);
    }

    private string SecretsFile => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", _userSecretsId, "secrets.json");

    private async Task<string[]> RunAsync(params string[] options)
    {
        await using var appHost = AppHostProcess.Start(["token", .. options], new Dictionary<string, string?> { ["ASPIRE_USER_SECRETS_ID"] = _userSecretsId });
        Assert.True(await appHost.Exited.WaitAsync(TimeSpan.FromSeconds(60)) == 0, appHost.Output);
        return appHost.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }

    // With the key the command generated and stored, the same one the running stack reads.
    private async Task<JsonWebToken> ValidateAsync(string token, string? key = null)
    {
        key ??= (string)JsonNode.Parse(await File.ReadAllTextAsync(SecretsFile))!["Parameters:jwt-signing-key"]!;
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = TokenSigning.DefaultIssuer,
            ValidAudience = TokenSigning.DefaultAudience,
            IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(key)),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }
}
