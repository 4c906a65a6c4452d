using System.Globalization;
using Coupon.Core.Auth;

namespace Coupon.AppHost.Hosting;

// The development token authorities: two RSA keys, generated secret parameters kept in the
// AppHost's user secrets. The users' key signs only what `token --user/--users` prints; the
// operators' key is the admin console's and `token --operator`'s. The api is given their public
// halves only, derived here, as parameters of their own so that the manifest can name them.
public static class DevelopmentTokens
{
    public const string UserKeyName = "user-token-key";
    public const string OperatorKeyName = "operator-token-key";
    public const string OperatorUserName = "operator";
    public const string OperatorPasswordName = "admin-operator-password";

    private const string Usage = "usage: token --user <id> | --users <first>-<last> | --operator [--hours <n>]";

    public static IResourceBuilder<ParameterResource> AddTokenKey(this IDistributedApplicationBuilder builder, string name) =>
        builder.ExecutionContext.IsPublishMode
            // A deployment brings its own keys: a generated string is no RSA key.
            ? builder.AddParameter(name, secret: true)
            : builder.AddParameter(name, new RsaKeyDefault(), secret: true, persist: true);

    // The public half of a key parameter, as a parameter: `user-token-key` gives
    // `user-token-public-key`. A deployment is asked for the public key only, and no private key
    // that no project of it uses (the users' key, whose tokens its identity provider signs).
    public static IResourceBuilder<ParameterResource> AddPublicKey(this IDistributedApplicationBuilder builder, string keyName)
    {
        var name = keyName.Replace("-key", "-public-key", StringComparison.Ordinal);
        // One parameter for every project that trusts the key (the tests' spare apis too).
        if (builder.Resources.OfType<ParameterResource>().SingleOrDefault(parameter => parameter.Name == name) is { } added)
            return builder.CreateResourceBuilder(added);
        if (builder.ExecutionContext.IsPublishMode)
            return builder.AddParameter(name);
        var privateKey = builder.Resources.OfType<ParameterResource>().SingleOrDefault(parameter => parameter.Name == keyName)
            ?? builder.AddTokenKey(keyName).Resource;
        return builder.AddParameter(name, () => TokenSigning.PublicKeyOf(ValueOf(privateKey)), publishValueAsDefault: false, secret: false);
    }

    // The api verifies with the public keys: it holds nothing that can sign.
    public static IResourceBuilder<ProjectResource> WithTokenTrust(this IResourceBuilder<ProjectResource> api) => api
        .WithEnvironment("Authentication__Schemes__Bearer__UserPublicKey", api.ApplicationBuilder.AddPublicKey(UserKeyName))
        .WithEnvironment("Authentication__Schemes__Bearer__OperatorPublicKey", api.ApplicationBuilder.AddPublicKey(OperatorKeyName));

    // `token --user 42`, `token --users 1-5000` (one per line), `token --operator`, `--hours N`
    // (default 24); `--Section:Key=value` settings may follow.
    public static async Task<int> RunTokenCommandAsync(string[] arguments)
    {
        var settings = arguments.Where(argument => argument.StartsWith("--", StringComparison.Ordinal) && argument.Contains('=')).ToArray();
        var options = arguments.Except(settings).ToList();
        // The generated keys are in the user secrets, which a host reads in Development only.
        var builder = DistributedApplication.CreateBuilder(["--environment=Development", .. settings]);
        async Task<TokenSigning> SigningAsync(string keyName, string issuer) =>
            new(issuer, (await builder.AddTokenKey(keyName).Resource.GetValueAsync(CancellationToken.None))!);

        var lifetime = TimeSpan.FromHours(Option(options, "--hours") is { } hours ? double.Parse(hours, CultureInfo.InvariantCulture) : 24);
        if (options.Contains("--operator"))
        {
            Console.WriteLine((await SigningAsync(OperatorKeyName, TokenSigning.OperatorIssuer)).CreateOperatorToken(OperatorUserName, lifetime));
        }
        else if (Option(options, "--user") is { } user && long.TryParse(user, CultureInfo.InvariantCulture, out var userId) && userId > 0)
        {
            Console.WriteLine((await SigningAsync(UserKeyName, TokenSigning.UserIssuer)).CreateUserToken(userId, lifetime));
        }
        else if (Option(options, "--users") is { } range && ParseRange(range) is var (first, last))
        {
            var signing = await SigningAsync(UserKeyName, TokenSigning.UserIssuer);
            await using var output = new StreamWriter(Console.OpenStandardOutput());
            for (var id = first; id <= last; id++)
            {
                await output.WriteLineAsync(signing.CreateUserToken(id, lifetime));
            }
        }
        else
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        return 0;
    }

    // The private key's value as the AppHost resolves it (configuration, else the user secrets,
    // else generated and stored); the parameter keeps it once resolved, so both halves match.
#pragma warning disable CS0618 // Value is obsolete for GetValueAsync, which a parameter's value callback cannot await.
    private static string ValueOf(ParameterResource parameter) => parameter.Value;
#pragma warning restore CS0618

    private static string? Option(List<string> options, string name)
    {
        var index = options.IndexOf(name);
        return index >= 0 ? options.ElementAtOrDefault(index + 1) : null;
    }

    private static (long First, long Last)? ParseRange(string range) =>
        range.Split('-') is [var first, var last]
        && long.TryParse(first, CultureInfo.InvariantCulture, out var from)
        && long.TryParse(last, CultureInfo.InvariantCulture, out var to)
        && from > 0 && from <= to
            ? (from, to)
            : null;

    // A fresh 2048-bit RSA key, PKCS#8 in base64.
    private sealed class RsaKeyDefault : ParameterDefault
    {
        public override string GetDefaultValue() => TokenSigning.GenerateKey();

        // Run mode only (AddTokenKey): the manifest asks a deployment for its own key.
        public override void WriteToManifest(Aspire.Hosting.Publishing.ManifestPublishingContext context) =>
            throw new NotSupportedException("An RSA key has no manifest form; publish mode declares the parameter without a default.");
    }
}
