using System.Globalization;
using Coupon.Core.Auth;

namespace Coupon.AppHost.Hosting;

// The development token authority: one HS256 key, a generated secret parameter kept in the
// AppHost's user secrets, trusted by api and admin through ASP.NET Core's standard
// Authentication:Schemes:Bearer settings. `token …` prints tokens signed with it.
public static class DevelopmentTokens
{
    public const string SigningKeyName = "jwt-signing-key";
    public const string OperatorUserName = "operator";

    private const string Usage = "usage: token --user <id> | --users <first>-<last> | --operator [--hours <n>]";

    // 44 letters and digits are valid base64 for a 33-byte key.
    public static IResourceBuilder<ParameterResource> AddTokenSigningKey(this IDistributedApplicationBuilder builder) =>
        builder.AddParameter(SigningKeyName, new GenerateParameterDefault { MinLength = 44, Special = false }, secret: true, persist: true);

    public static IResourceBuilder<ProjectResource> WithTokenSigning(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ParameterResource> key)
    {
        // The names and fixed values come from the contract; the key is the only secret.
        var shape = new TokenSigning(TokenSigning.DefaultIssuer, TokenSigning.DefaultAudience, KeyBase64: "");
        foreach (var (name, value) in shape.ToEnvironment())
        {
            project = value.Length == 0 ? project.WithEnvironment(name, key) : project.WithEnvironment(name, value);
        }
        return project;
    }

    // `token --user 42`, `token --users 1-5000` (one per line), `token --operator`, `--hours N`
    // (default 24); `--Section:Key=value` settings may follow.
    public static async Task<int> RunTokenCommandAsync(string[] arguments)
    {
        var settings = arguments.Where(argument => argument.StartsWith("--", StringComparison.Ordinal) && argument.Contains('=')).ToArray();
        var options = arguments.Except(settings).ToList();
        // The generated key is in the user secrets, which a host reads in Development only.
        var builder = DistributedApplication.CreateBuilder(["--environment=Development", .. settings]);
        var key = await builder.AddTokenSigningKey().Resource.GetValueAsync(CancellationToken.None);
        var signing = new TokenSigning(TokenSigning.DefaultIssuer, TokenSigning.DefaultAudience, key!);
        var lifetime = TimeSpan.FromHours(Option(options, "--hours") is { } hours ? double.Parse(hours, CultureInfo.InvariantCulture) : 24);
        if (options.Contains("--operator"))
        {
            Console.WriteLine(signing.CreateOperatorToken(OperatorUserName, lifetime));
        }
        else if (Option(options, "--user") is { } user && long.TryParse(user, CultureInfo.InvariantCulture, out var userId) && userId > 0)
        {
            Console.WriteLine(signing.CreateUserToken(userId, lifetime));
        }
        else if (Option(options, "--users") is { } range && ParseRange(range) is var (first, last))
        {
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
}
