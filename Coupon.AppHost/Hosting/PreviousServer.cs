using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Coupon.AppHost.Hosting;

// A server of the previous run can still be shutting down when the next run starts on the same
// data folder (DCP stops it after the AppHost has gone, and a busy InnoDB takes a while): mariadbd
// would then fail on its locked files and two redis-servers would write one append-only file. The
// new server waits for the old one, found through the pid file the server keeps in its folder.
internal static class PreviousServer
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static async Task WaitForExitAsync(string pidFile, string program, ILogger logger, CancellationToken cancellationToken)
    {
        if (RunningPid(pidFile, program) is not { } pid)
            return;
        logger.LogInformation("The previous {Program} (pid {Pid}) on this data folder is still stopping; waiting for it", program, pid);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Patience);
        try
        {
            while (IsRunning(pid, program))
                await Task.Delay(TimeSpan.FromMilliseconds(200), bound.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"The previous {program} (pid {pid}) still runs on {Path.GetDirectoryName(pidFile)} after {Patience.TotalSeconds:0} s; stop it (kill {pid}) and start again.");
        }
    }

    private static int? RunningPid(string pidFile, string program) =>
        File.Exists(pidFile)
        && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
        && IsRunning(pid, program)
            ? pid
            : null;

    // The pid of a server that is gone may have been given to another program since; the kernel
    // keeps the first 15 characters of a program's name.
    private static bool IsRunning(int pid, string program)
    {
        var name = Path.GetFileName(program);
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == name[..Math.Min(15, name.Length)];
        }
        catch (IOException)
        {
            return false;
        }
    }
}
