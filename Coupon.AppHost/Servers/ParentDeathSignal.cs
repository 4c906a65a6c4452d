using System.Collections.Concurrent;
using System.Diagnostics;

namespace Coupon.AppHost.Servers;

// Linux delivers a parent-death signal when the *thread* that forked the child exits, not the
// process. .NET forks on the calling thread, and thread-pool threads come and go, so every child is
// forked from one dedicated thread that lives as long as this process.
internal static class ParentDeathSignal
{
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Pending = [];

    static ParentDeathSignal()
    {
        var thread = new Thread(ForkLoop) { IsBackground = true, Name = "Coupon child process starter" };
        thread.Start();
    }

    // util-linux's setpriv sets PR_SET_PDEATHSIG in the child and then execs the real program.
    public static string? SetPrivPath { get; } = ServerBinaries.TryFind("setpriv", ServerBinaries.DefaultSearchPath);

    // util-linux's setsid puts the child in a session of its own, so a Ctrl+C on the terminal
    // reaches only the owner, which then stops the children in order. The parent-death signal
    // survives both execs.
    public static string? SetSidPath { get; } = ServerBinaries.TryFind("setsid", ServerBinaries.DefaultSearchPath);

    public static void Start(Process process)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pending.Add((process, started));
        started.Task.GetAwaiter().GetResult();
    }

    private static void ForkLoop()
    {
        foreach (var (process, started) in Pending.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception exception)
            {
                started.SetException(exception);
            }
        }
    }
}
