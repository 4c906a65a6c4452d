using System.Globalization;
using Coupon.AppHost.Servers;
using Microsoft.Extensions.Configuration;

namespace Coupon.AppHost.Hosting;

// `token --user 42`, `token --users 1-5000` (one per line), `token --operator`: development JWTs
// signed with the key in the state folder (created when missing), so they are valid for the api
// the AppHost runs. `--hours N` sets the lifetime (default 24).
internal sealed class TokenCommand(IConfiguration configuration, IReadOnlyList<Resource> resources)
{
    private const string Usage = "usage: token --user <id> | --users <first>-<last> | --operator [--hours <n>]";

    public int Run(IReadOnlyList<string> arguments)
    {
        var key = resources.OfType<TokenSigningKeyResource>().Single();
        var state = new RunState(configuration, new StateFolder(configuration), ServerContext.Quiet());
        var signing = key.ToTokenSigning(state);
        var lifetime = TimeSpan.FromHours(Option(arguments, "--hours") is { } hours ? double.Parse(hours, CultureInfo.InvariantCulture) : 24);
        if (arguments.Contains("--operator"))
        {
            Console.WriteLine(signing.CreateOperatorToken(Secrets.OperatorUserName, lifetime));
        }
        else if (Option(arguments, "--user") is { } user && long.TryParse(user, CultureInfo.InvariantCulture, out var userId) && userId > 0)
        {
            Console.WriteLine(signing.CreateUserToken(userId, lifetime));
        }
        else if (Option(arguments, "--users") is { } range && ParseRange(range) is var (first, last))
        {
            using var output = new StreamWriter(Console.OpenStandardOutput());
            for (var id = first; id <= last; id++)
            {
                output.WriteLine(signing.CreateUserToken(id, lifetime));
            }
        }
        else
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        return 0;
    }

    private static string? Option(IReadOnlyList<string> arguments, string name)
    {
        var index = arguments.ToList().IndexOf(name);
        return index >= 0 ? arguments.ElementAtOrDefault(index + 1) : null;
    }

    private static (long First, long Last)? ParseRange(string range) =>
        range.Split('-') is [var first, var last]
        && long.TryParse(first, CultureInfo.InvariantCulture, out var from)
        && long.TryParse(last, CultureInfo.InvariantCulture, out var to)
        && from > 0 && from <= to
            ? (from, to)
            : null;
}
