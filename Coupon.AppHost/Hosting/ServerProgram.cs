namespace Coupon.AppHost.Hosting;

// Thrown while the model is built when a local server's program is not installed: nothing starts.
public sealed class MissingServerProgramException(string message) : Exception(message);

// The Debian programs behind the local servers. Debian puts mariadbd in sbin, which a normal
// user's PATH lacks; `AppHost:ServerSearchPath` replaces the search path.
public static class ServerProgram
{
    public const string SearchPathKey = "AppHost:ServerSearchPath";

    public static string Find(IDistributedApplicationBuilder builder, string program, string debianPackage, string connectionStringName)
    {
        var searchPath = builder.Configuration[SearchPathKey]
            ?? $"{Environment.GetEnvironmentVariable("PATH")}:/usr/local/sbin:/usr/sbin:/sbin";
        return searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists)
            ?? throw new MissingServerProgramException(
                $"`{program}` was not found. Install it with `sudo apt-get install -y {debianPackage}`, " +
                $"or use an external server by setting ConnectionStrings:{connectionStringName} " +
                $"(environment variable ConnectionStrings__{connectionStringName}).");
    }
}
