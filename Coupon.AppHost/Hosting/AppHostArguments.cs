namespace Coupon.AppHost.Hosting;

public enum AppHostCommand
{
    // Start the resources and keep them running until Ctrl+C or SIGTERM.
    Run,

    // `--publisher manifest --output-path <file>`: write aspire-manifest.json, start nothing.
    PublishManifest,

    // `token --user 42 | --users 1-5000 | --operator`: print development JWTs.
    Token,
}

// The AppHost's command line: a verb or switch of its own, the rest is configuration
// (`--ConnectionStrings:redis=…`, `--AppHost:StatePath=…`).
public sealed record AppHostArguments(AppHostCommand Command, bool Fresh, IReadOnlyList<string> CommandArguments, string[] ConfigurationArguments)
{
    public const string FreshSwitch = "--fresh";

    public static AppHostArguments Parse(string[] args)
    {
        if (args is ["token", .. var tokenArguments])
        {
            // `--Section:Key=value` settings (the state folder) may follow the verb's own options.
            var settings = tokenArguments.Where(arg => arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=')).ToArray();
            return new(AppHostCommand.Token, Fresh: false, [.. tokenArguments.Except(settings)], settings);
        }
        var fresh = args.Contains(FreshSwitch);
        var configuration = args.Where(arg => arg != FreshSwitch).ToArray();
        var publisher = Array.IndexOf(configuration, "--publisher");
        var command = publisher >= 0 && configuration.ElementAtOrDefault(publisher + 1) == "manifest"
            ? AppHostCommand.PublishManifest
            : AppHostCommand.Run;
        return new(command, fresh, [], configuration);
    }
}
