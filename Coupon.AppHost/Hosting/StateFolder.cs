namespace Coupon.AppHost.Hosting;

// Where the local servers keep their data between runs: `.coupon/` at the repository root (ignored
// by git), or `AppHost:StatePath`. `--fresh` on the command line empties it before anything starts.
public static class StateFolder
{
    public const string PathKey = "AppHost:StatePath";
    public const string FreshSwitch = "--fresh";

    public static string[] WithoutFreshSwitch(string[] args) => [.. args.Where(arg => arg != FreshSwitch)];

    public static void WipeStateWhenFresh(this IDistributedApplicationBuilder builder, string[] args)
    {
        var state = StatePath(builder);
        if (args.Contains(FreshSwitch) && builder.ExecutionContext.IsRunMode && Directory.Exists(state))
            Directory.Delete(state, recursive: true);
    }

    public static string DataFolder(this IDistributedApplicationBuilder builder, string resource)
    {
        var folder = Path.Combine(StatePath(builder), resource);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string StatePath(IDistributedApplicationBuilder builder) =>
        builder.Configuration[PathKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".coupon"));
}
