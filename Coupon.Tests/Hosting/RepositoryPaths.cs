namespace Coupon.Tests.Hosting;

internal static class RepositoryPaths
{
    // The folder with Coupon.sln, from the AppHost's knowledge of the projects it runs.
    public static string Root { get; } = Path.GetDirectoryName(Path.GetDirectoryName(new Projects.Coupon_Api().ProjectPath))!;

    // Aspire's manifest schema lives in shared/reference/aspire/ beside (or above) the clone; it is
    // reference material, never copied into the repository.
    public static string AspireSchema()
    {
        const string relative = "shared/reference/aspire/aspire-8.0.json";
        for (var folder = new DirectoryInfo(Root); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"{relative} was not found in any folder above {Root}.");
    }
}
