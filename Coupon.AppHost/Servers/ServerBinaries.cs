namespace Coupon.AppHost.Servers;

// Thrown before anything starts when a server's program is not installed.
public sealed class MissingServerBinaryException(string message) : Exception(message);

// Finds the programs of the local servers. The search path is PATH plus the sbin folders, where
// Debian puts mariadbd (a normal user's PATH lacks them); `Servers:SearchPath` replaces it.
public static class ServerBinaries
{
    public const string SearchPathKey = "Servers:SearchPath";

    public static string DefaultSearchPath =>
        $"{Environment.GetEnvironmentVariable("PATH")}:/usr/local/sbin:/usr/sbin:/sbin";

    public static string Find(string program, string debianPackage, string connectionStringName, string searchPath) =>
        TryFind(program, searchPath) ?? throw new MissingServerBinaryException(
            $"`{program}` was not found. Install it with `sudo apt-get install -y {debianPackage}`, " +
            $"or use an external server by setting ConnectionStrings:{connectionStringName} " +
            $"(environment variable ConnectionStrings__{connectionStringName}).");

    public static string? TryFind(string program, string? searchPath) =>
        (searchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
