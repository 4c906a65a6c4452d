namespace Coupon.Tests.Fixture;

// A server or project process frozen (SIGSTOP) with its connections open, as a hung host looks
// to its clients, then resumed; disposing resumes it whatever the test did meanwhile.
public sealed class FrozenProcess : IDisposable
{
    private readonly int _pid;
    private bool _resumed;

    private FrozenProcess(int pid)
    {
        _pid = pid;
        ProcessSignals.Stop(pid);
    }

    public static FrozenProcess Freeze(int pid) => new(pid);

    public void Resume()
    {
        if (_resumed)
            return;
        _resumed = true;
        ProcessSignals.Continue(_pid);
    }

    public void Dispose() => Resume();
}
