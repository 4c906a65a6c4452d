using System.Diagnostics;

namespace Coupon.Bench.Measuring;

// CPU time and memory of the processes taking part in a step (the load generator itself, the api,
// the worker, Redis, MariaDB), read from /proc through System.Diagnostics.Process.
public sealed class ProcessWatch
{
    // The pseudo-process that stands for the whole machine in a sample.
    public const string MachineName = "machine";

    private readonly Dictionary<string, Process> _processes = [];

    public void Watch(string name, int pid) => _processes[name] = Process.GetProcessById(pid);

    public void Forget(string name) => _processes.Remove(name);

    public CpuSample Sample()
    {
        var cpu = new Dictionary<string, TimeSpan>();
        foreach (var (name, process) in _processes)
        {
            try
            {
                process.Refresh();
                cpu[name] = process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                // Exited between steps (a restarted api): it simply has no share in this sample.
            }
        }
        cpu[MachineName] = MachineBusyTime();
        return new CpuSample(Stopwatch.GetTimestamp(), cpu);
    }

    // The whole machine's busy time, so a step can show how much CPU went to processes that are
    // not part of the benchmark (other builds on a shared machine).
    private static TimeSpan MachineBusyTime()
    {
        // First line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ..." in USER_HZ (100/s).
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ticks = fields.Skip(1).Take(8).Select(long.Parse).ToArray();
        var busy = ticks.Sum() - ticks[3] - ticks[4];
        return TimeSpan.FromSeconds(busy / 100.0);
    }

    // Highest resident set the process reached since it started (VmHWM), in bytes.
    public long PeakWorkingSet(string name)
    {
        var process = _processes[name];
        process.Refresh();
        return process.PeakWorkingSet64;
    }
}

public sealed record CpuSample(long At, IReadOnlyDictionary<string, TimeSpan> Cpu)
{
    // Cores used per process between two samples (1.0 = one core busy the whole time).
    public static IReadOnlyDictionary<string, double> CoresBetween(CpuSample before, CpuSample after)
    {
        var wall = Stopwatch.GetElapsedTime(before.At, after.At).TotalSeconds;
        var cores = new Dictionary<string, double>();
        foreach (var (name, end) in after.Cpu)
        {
            if (before.Cpu.TryGetValue(name, out var start) && wall > 0)
                cores[name] = (end - start).TotalSeconds / wall;
        }
        return cores;
    }
}
