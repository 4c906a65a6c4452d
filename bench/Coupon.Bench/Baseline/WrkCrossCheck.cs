using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Coupon.Bench.Baseline;

// The baseline measured a second time with wrk (Debian's C load generator, 2 threads), when it is
// installed: if wrk got far more requests/s out of the same server than the bench's own load
// generator, the latter would be the bottleneck and every ratio to the baseline too flattering.
public static partial class WrkCrossCheck
{
    public static async Task<WrkResult?> RunAsync(Uri target, string path, string token, int connections, TimeSpan duration,
        CancellationToken cancellationToken)
    {
        var wrk = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "wrk"))
            .FirstOrDefault(File.Exists);
        if (wrk is null)
            return null;

        var script = Path.Combine(Path.GetTempPath(), $"coupon-bench-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script,
            $"wrk.method = \"POST\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\nwrk.headers[\"Content-Length\"] = \"0\"\n",
            cancellationToken);
        try
        {
            var info = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                "-t2", $"-c{connections}", $"-d{(int)Math.Ceiling(duration.TotalSeconds)}s", "--latency", "-s", script,
                new Uri(target, path).ToString(),
            })
            {
                info.ArgumentList.Add(argument);
            }
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? Parse(output) : null;
        }
        finally
        {
            File.Delete(script);
        }
    }

    internal static WrkResult? Parse(string output)
    {
        var rate = RequestsPerSecond().Match(output);
        var p50 = Percentile(output, "50%");
        var p99 = Percentile(output, "99%");
        return rate.Success && p50 is not null && p99 is not null
            ? new WrkResult(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), p50.Value, p99.Value)
            : null;
    }

    // "     99%    3.40ms" in the latency distribution, in microseconds.
    private static long? Percentile(string output, string label)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(label)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success)
            return null;
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return (long)(value * match.Groups[2].Value switch { "us" => 1, "ms" => 1_000, _ => 1_000_000 });
    }

    [GeneratedRegex(@"^Requests/sec:\s+([\d.]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecond();
}

public sealed record WrkResult(double RequestsPerSecond, long P50Microseconds, long P99Microseconds);
