namespace Coupon.Bench;

public static class BenchOutput
{
    public const string ResultsFile = "RESULTS.md";
    public const string ChartFile = "results.png";

    // Benchmark users are numbered from here, far from the ids a developer types by hand.
    public const long FirstUserId = 1_000_000;

    // The repository's bench/ folder: the first folder up from here that holds Coupon.sln.
    public static string DefaultDirectory()
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Coupon.sln")))
                return Path.Combine(folder.FullName, "bench");
        }
        throw new InvalidOperationException("Run from inside the repository, or pass --output <folder>.");
    }
}
