using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Coupon.Testing;
using Coupon.Core.Auth;
using Coupon.Tests.Fixture;
using Coupon.Tests.Hosting;

namespace Coupon.Tests.Issuing;

// Least privilege for tokens: the api holds only public keys, only the operators' key makes an
// operator, issuer and audience are validated whatever is configured, the OpenAPI surfaces exist
// in Development only, and the AppHost's `token` command mints what the running stack accepts.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class TokenAuthorityTests(StackFixture stack) : SharedApiTests(stack)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task The_apis_environment_holds_the_public_keys_and_nothing_that_can_sign()
    {
        var environment = await EnvironmentOfAsync((await Stack.SharedProjectsAsync()).Api);

        Assert.Equal(new Dictionary<string, string>
        {
            ["Authentication__Schemes__Bearer__UserPublicKey"] = Stack.Tokens.Users.PublicKey,
            ["Authentication__Schemes__Bearer__OperatorPublicKey"] = Stack.Tokens.Operators.PublicKey,
        }, environment.Where(variable => variable.Key.StartsWith("Authentication__", StringComparison.Ordinal)).ToDictionary());
        Assert.DoesNotContain(environment, variable => IsPrivateKey(variable.Value)
            || variable.Value.Contains(Stack.Tokens.Users.PrivateKey, StringComparison.Ordinal)
            || variable.Value.Contains(Stack.Tokens.Operators.PrivateKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_admin_holds_the_operators_key_and_not_the_users_key()
    {
        var environment = await EnvironmentOfAsync(new ProjectHandle(Stack, "admin"));

        Assert.Equal(Stack.Tokens.Operators.PrivateKey, environment["Admin__OperatorTokenKey"]);
        Assert.Equal([Stack.Tokens.Operators.PrivateKey], environment.Values.Where(IsPrivateKey));
    }

    [Fact]
    public async Task Only_the_operators_key_makes_an_operator_and_it_makes_no_user()
    {
        var users = Stack.Tokens.Users;
        var operators = Stack.Tokens.Operators;
        Claim role = new(ClaimTypes.Role, TokenSigning.OperatorRole);

        (string Case, string Token, string Path, HttpStatusCode Status)[] cases =
        [
            ("operator", operators.CreateOperatorToken("operator", Lifetime), "/api/admin/coupons", HttpStatusCode.OK),
            ("user", users.CreateUserToken(42, Lifetime), "/api/users/me/coupons", HttpStatusCode.OK),
            ("users' key, operator role", users.CreateOperatorToken("operator", Lifetime), "/api/admin/coupons", HttpStatusCode.Unauthorized),
            ("users' key, user id and operator role", users.Create("42", [role], Lifetime), "/api/admin/coupons", HttpStatusCode.Unauthorized),
            ("users' key as the operators' issuer", new TokenSigning(TokenSigning.OperatorIssuer, users.PrivateKey).CreateOperatorToken("operator", Lifetime),
                "/api/admin/coupons", HttpStatusCode.Unauthorized),
            ("operators' key, no role", operators.CreateUserToken(42, Lifetime), "/api/users/me/coupons", HttpStatusCode.Unauthorized),
            ("operators' key, a user id", operators.Create("42", [role], Lifetime), "/api/users/me/coupons", HttpStatusCode.Forbidden),
        ];
        foreach (var (name, token, path, status) in cases)
        {
            using var response = await Api.SendAsync(HttpMethod.Get, path, token);
            Assert.True(response.StatusCode == status, $"{name}: {path} answered {(int)response.StatusCode}, expected {(int)status}");
        }
    }

    [Fact]
    public async Task Issuer_and_audience_are_validated_with_nothing_but_the_keys_configured()
    {
        // JwtBearer's own binding of Authentication:Schemes:Bearer validates issuer and audience
        // only when they are configured there; the api must not depend on anyone doing so.
        await using var api = await Stack.StartProjectAsync(CouponProject.Api, new Dictionary<string, string?>
        {
            ["Authentication__Schemes__Bearer__ValidIssuer"] = null,
            ["Authentication__Schemes__Bearer__ValidAudiences__0"] = null,
        });
        using var client = new IssuingClient(api.BaseAddress, Stack.Tokens);
        var key = Stack.Tokens.Users.PrivateKey;

        (string Case, string Token, HttpStatusCode Status)[] cases =
        [
            ("right issuer and audience", client.UserToken(7), HttpStatusCode.OK),
            ("wrong issuer", new TokenSigning("someone-else", key).CreateUserToken(7, Lifetime), HttpStatusCode.Unauthorized),
            ("wrong audience", new TokenSigning(TokenSigning.UserIssuer, key, audience: "someone-else").CreateUserToken(7, Lifetime), HttpStatusCode.Unauthorized),
        ];
        foreach (var (name, token, status) in cases)
        {
            using var response = await client.SendAsync(HttpMethod.Get, "/api/users/me/coupons", token);
            Assert.True(response.StatusCode == status, $"{name}: answered {(int)response.StatusCode}, expected {(int)status}");
        }
    }

    [Fact]
    public async Task The_token_commands_tokens_are_accepted_by_the_running_stack()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());

        var users = await TokenCommandAsync("--users", "901-902");
        var @operator = Assert.Single(await TokenCommandAsync("--operator"));

        Assert.Equal(2, users.Length);
        foreach (var user in users)
        {
            using var issued = await Api.SendAsync(HttpMethod.Post, $"/api/coupons/{campaign.Id}/issue", user);
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        }
        using (var listed = await Api.SendAsync(HttpMethod.Get, "/api/admin/coupons", @operator))
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        await Invariants.AssertAsync(campaign.Id, 10, accepted: [901, 902], refused: []);
    }

    // With the run's keys given as parameters, in a user secrets store of its own.
    private async Task<string[]> TokenCommandAsync(params string[] options)
    {
        var secretsId = $"coupon-token-authority-tests-{Guid.NewGuid():N}";
        try
        {
            return await AppHostProcess.TokenAsync([.. options, .. Stack.Tokens.Arguments], secretsId);
        }
        finally
        {
            if (Directory.Exists(AppHostProcess.UserSecretsFolder(secretsId)))
                Directory.Delete(AppHostProcess.UserSecretsFolder(secretsId), recursive: true);
        }
    }

    // What the application process was started with (DCP's variables, the AppHost's and ours).
    private static async Task<Dictionary<string, string>> EnvironmentOfAsync(ProjectHandle project) =>
        (await File.ReadAllTextAsync($"/proc/{project.ApplicationProcessId}/environ"))
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(variable => variable.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.ElementAtOrDefault(1) ?? "");

    private static bool IsPrivateKey(string value)
    {
        var bytes = new byte[value.Length];
        if (!Convert.TryFromBase64String(value, bytes, out var length) || length == 0)
            return false;
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(bytes.AsSpan(0, length), out _);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
