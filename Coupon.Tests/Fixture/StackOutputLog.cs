using System.Globalization;
using Coupon.AppHost.Servers;

namespace Coupon.Tests.Fixture;

// Every line the fixture's servers and projects print, timestamped, in the file named by
// COUPON_STACK_LOG (test.sh points it into TestResults/), so a failed run can be read afterwards.
public static class StackOutputLog
{
    private static readonly Lock Gate = new();
    private static readonly StreamWriter? Writer = Open();

    public static ResourceOutput Output => Writer is null ? (_, _) => { } : Write;

    private static void Write(string resource, string line)
    {
        lock (Gate)
        {
            Writer!.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {resource,-8} {line}");
        }
    }

    private static StreamWriter? Open()
    {
        var path = Environment.GetEnvironmentVariable("COUPON_STACK_LOG");
        if (string.IsNullOrEmpty(path))
            return null;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new StreamWriter(path, append: true) { AutoFlush = true };
    }
}
