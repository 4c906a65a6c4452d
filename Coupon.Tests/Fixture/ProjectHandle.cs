using Aspire.Hosting.ApplicationModel;
using Coupon.Testing;
using Coupon.Tests.Issuing;

namespace Coupon.Tests.Fixture;

// One of the AppHost's project resources as a test sees it: its address, a crash (SIGKILL of its
// process tree, as an OOM kill or a power cut would), a stop through Aspire, and its state.
public sealed class ProjectHandle(StackFixture stack, string resource, Action? onStopped = null) : IAsyncDisposable
{
    public string Resource { get; } = resource;

    public Uri BaseAddress { get; } = stack.EndpointOf(resource);

    public bool HasExited => !stack.IsRunning(Resource);

    public int ProcessId => stack.ProcessIdOf(Resource);

    // The application itself, under the `dotnet run` that DCP started.
    public int ApplicationProcessId => ProcessTree.ApplicationUnder(ProcessId) ?? ProcessId;

    // The exit code of its last run, once it has stopped.
    public int? ExitCode =>
        stack.Notifications.TryGetCurrentState(Resource, out var current) ? current.Snapshot.ExitCode : null;

    // The process and everything it started (a project runs under `dotnet run`).
    public void Kill() => ProcessTree.Kill(ProcessId);

    // Its console output so far, for a test's own output when it fails.
    public async Task<IReadOnlyList<string>> RecentOutputAsync(int lines = 200)
    {
        var output = new List<string>();
        var instance = stack.Notifications.TryGetCurrentState(Resource, out var current) ? current.ResourceId : Resource;
        await foreach (var batch in stack.Loggers.GetAllAsync(instance))
            output.AddRange(batch.Select(line => $"{Resource}| {line.Content}"));
        return output.TakeLast(lines).ToList();
    }

    public async Task WaitForExitAsync(TimeSpan timeout) =>
        await stack.Notifications.WaitForResourceAsync(Resource, [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart])
            .WaitAsync(timeout);

    public async Task StopAsync()
    {
        try
        {
            // A project that does not stop when asked is made to. After a stop DCP gave up on, the
            // resource's state may never say Exited: the process tree being gone is what counts.
            if (!HasExited && !await stack.TryStopResourceAsync(Resource))
            {
                var pid = ProcessId;
                Kill();
                var gone = await Poll.UntilAsync(() => Task.FromResult(HasExited || !ProcessTree.IsAlive(pid)), done => done, TimeSpan.FromSeconds(30));
                if (!gone)
                    throw new TimeoutException($"{Resource} (pid {pid}) still runs 30 s after SIGKILL.");
            }
        }
        finally
        {
            onStopped?.Invoke();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (onStopped is not null)
            await StopAsync();
    }
}
