using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Coupon.AppHost.Servers;

// What to run for one resource. Environment values that are null are removed from the inherited
// environment.
public sealed record ChildProcessSpec(
    string Name,
    string FileName,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string?> Environment);

// Receives every output line of every child, tagged with the resource name.
public delegate void ResourceOutput(string resource, string line);

// A server or project process owned by this process, in a session of its own. It never outlives
// its owner: it is started through `setpriv --pdeathsig KILL`, and its pid is written to the ledger
// so that the next start kills it if the kernel's signal could not be delivered.
public sealed partial class ChildProcess : IAsyncDisposable
{
    private const int RecentLineCount = 200;
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly ProcessLedger? _ledger;
    private readonly Queue<string> _recent = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string name, Process process, ProcessLedger? ledger)
    {
        Name = name;
        _process = process;
        _ledger = ledger;
    }

    public string Name { get; }

    public int Id => _process.Id;

    // Completes with the exit code when the process has exited and its output is drained.
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public static ChildProcess Start(ChildProcessSpec spec, ResourceOutput output, ProcessLedger? ledger = null)
    {
        var info = new ProcessStartInfo
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // An empty stdin: children never read the AppHost's terminal.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        string[] command =
        [
            .. ParentDeathSignal.SetPrivPath is { } setpriv ? [setpriv, "--pdeathsig", "KILL", "--"] : Array.Empty<string>(),
            .. ParentDeathSignal.SetSidPath is { } setsid ? [setsid, "--"] : Array.Empty<string>(),
            spec.FileName,
            .. spec.Arguments,
        ];
        info.FileName = command[0];
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(spec.Name, process, ledger);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, output);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, output);
        ParentDeathSignal.Start(process);
        ledger?.Record(spec.Name, process.Id, spec.FileName);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = child.WatchExitAsync();
        return child;
    }

    public IReadOnlyList<string> RecentOutput()
    {
        lock (_recent)
        {
            return [.. _recent];
        }
    }

    // SIGKILL: the crash a test wants to provoke.
    public void Kill()
    {
        if (!HasExited)
        {
            _process.Kill();
        }
    }

    // SIGTERM, then SIGKILL when the process has not exited within the grace period.
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited)
        {
            return;
        }
        _ = SendSignal(_process.Id, SigTerm);
        var exited = await Task.WhenAny(Exited, Task.Delay(grace)) == Exited;
        if (!exited)
        {
            Kill();
            await Exited;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.FromSeconds(10)));

    private async Task WatchExitAsync()
    {
        // The parameterless wait also waits for the redirected output to reach its end.
        await _process.WaitForExitAsync();
        _process.WaitForExit();
        _ledger?.Forget(Name, _process.Id);
        _exited.TrySetResult(_process.ExitCode);
    }

    private void OnLine(string? line, ResourceOutput output)
    {
        if (line is null)
        {
            return;
        }
        lock (_recent)
        {
            if (_recent.Count == RecentLineCount)
            {
                _recent.Dequeue();
            }
            _recent.Enqueue(line);
        }
        output(Name, line);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int SendSignal(int pid, int signal);
}
