using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;

namespace Coupon.Tests.Fixture;

// One of the AppHost's project resources as a test sees it: its address, a crash (SIGKILL of its
// process tree, as an OOM kill or a power cut would), a stop through Aspire, and its state.
public sealed class ProjectHandle(StackFixture stack, string resource, Action? onStopped = null) : IAsyncDisposable
{
    public string Resource { get; } = resource;

    public Uri BaseAddress { get; } = stack.EndpointOf(resource);

    public bool HasExited => !stack.IsRunning(Resource);

    public int ProcessId => stack.ProcessIdOf(Resource);

    // The exit code of its last run, once it has stopped.
    public int? ExitCode =>
        stack.Notifications.TryGetCurrentState(Resource, out var current) ? current.Snapshot.ExitCode : null;

    // The process and everything it started (a project runs under `dotnet run`).
    public void Kill()
    {
        var root = ProcessId;
        foreach (var pid in ProcessTree.Descendants(root).Prepend(root))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
        }
    }

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
            if (!HasExited)
                await stack.StopResourceAsync(Resource);
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

internal static class ProcessTree
{
    public static IReadOnlySet<int> All() => Directory.EnumerateDirectories("/proc")
        .Select(folder => int.TryParse(Path.GetFileName(folder), out var pid) ? pid : 0)
        .Where(pid => pid > 0)
        .ToHashSet();

    // Alive and not a zombie waiting for its parent to reap it.
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static string Describe(int pid)
    {
        try
        {
            return $"{pid} {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')}";
        }
        catch (IOException)
        {
            return $"{pid} (gone)";
        }
    }

    // Children from /proc/<pid>/stat (field 4 is the parent), depth first.
    public static IEnumerable<int> Descendants(int root)
    {
        var parents = All()
            .Select(pid => (Pid: pid, Parent: ParentOf(pid)))
            .ToList();
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var parent))
        {
            foreach (var child in parents.Where(process => process.Parent == parent).Select(process => process.Pid))
            {
                yield return child;
                pending.Push(child);
            }
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name in parentheses may contain spaces: read after its closing one.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
