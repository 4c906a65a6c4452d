using System.Text.Json.Nodes;
using Coupon.Core.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupon.Tests.Hosting;

// `dotnet run --project Coupon.AppHost -- token …` signs with the key in the state folder.
public sealed class TokenCommandTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("coupon-token-").FullName;

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

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private async Task<string[]> RunAsync(params string[] options)
    {
        await using var appHost = AppHostProcess.Start(_state, arguments: ["token", .. options]);
        Assert.Equal(0, await appHost.Exited.WaitAsync(TimeSpan.FromSeconds(60)));
        return appHost.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }

    private async Task<JsonWebToken> ValidateAsync(string token)
    {
        var secrets = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "secrets.json")))!;
        var key = (string)secrets["jwt-signing-key"]!;
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
