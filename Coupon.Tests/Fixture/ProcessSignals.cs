using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Coupon.Tests.Fixture;

// SIGSTOP and SIGCONT through libc's kill(2): a stopped server keeps its connections open and
// answers nothing, the "late answer" a clean stop never shows. SIGTERM asks a tool to end.
public static class ProcessSignals
{
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    public static void Terminate(int pid) => Send(pid, SigTerm);

    public static void Stop(int pid) => Send(pid, SigStop);

    public static void Continue(int pid) => Send(pid, SigCont);

    private static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {signal}) failed");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
