using System.Diagnostics;
using System.Globalization;

namespace Coupon.Bench.Measuring;

// CPU time of the processes taking part in a step (the load generator itself, the api, the
// worker, Redis, MariaDB, DCP), read from /proc through System.Diagnostics.Process, and of threads
// of this process that stand for a server of their own (the embedded Kafka's broker).
public sealed class ProcessWatch
{
    // The pseudo-process that stands for the whole machine in a sample.
    public const string MachineName = "machine";

    // The thread librdkafka's mock cluster (the embedded Kafka) serves the brokers on: it lives in
    // whichever process hosts the AppHost, which for the bench and its smoke test is this one.
    public const string EmbeddedKafkaThread = "rdk:mock";

    private readonly List<(string Name, Process Process)> _processes = [];
    private readonly Dictionary<string, string> _ownThreads = [];

    // Several processes may be watched under one name (DCP's); their times add up.
    public void Watch(string name, int pid) => _processes.Add((name, Process.GetProcessById(pid)));

    // Threads of this process with that name, counted under `name` and taken out of this
    // process's own share; nothing when no such thread runs here.
    public void WatchOwnThreads(string name, string thread)
    {
        if (OwnThreadsTime(thread) is not null)
            _ownThreads[name] = thread;
    }

    public CpuSample Sample()
    {
        var cpu = new Dictionary<(string Name, int Pid), TimeSpan>();
        var ownThreads = _ownThreads.ToDictionary(t => t.Key, t => OwnThreadsTime(t.Value) ?? TimeSpan.Zero);
        foreach (var (name, process) in _processes)
        {
            try
            {
                process.Refresh();
                cpu[(name, process.Id)] = process.TotalProcessorTime
                    - (process.Id == Environment.ProcessId ? ownThreads.Values.Aggregate(TimeSpan.Zero, (sum, time) => sum + time) : TimeSpan.Zero);
            }
            catch (InvalidOperationException)
            {
                // Exited between steps (a restarted api): it simply has no share in this sample.
            }
        }
        foreach (var (name, time) in ownThreads)
            cpu[(name, 0)] = time;
        cpu[(MachineName, 0)] = MachineBusyTime();
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

    // Summed user and system time of this process's threads of that name (/proc/self/task, in
    // USER_HZ: 100/s), or null when there is none.
    private static TimeSpan? OwnThreadsTime(string thread)
    {
        long ticks = 0;
        var found = false;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != thread)
                    continue;
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // Fields 14 and 15 of stat (utime, stime); the split starts at field 3.
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                found = true;
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }
        return found ? TimeSpan.FromSeconds(ticks / 100.0) : null;
    }
}

public sealed record CpuSample(long At, IReadOnlyDictionary<(string Name, int Pid), TimeSpan> Cpu)
{
    // Cores used per name between two samples (1.0 = one core busy the whole time), from the
    // processes present in both.
    public static IReadOnlyDictionary<string, double> CoresBetween(CpuSample before, CpuSample after)
    {
        var wall = Stopwatch.GetElapsedTime(before.At, after.At).TotalSeconds;
        var cores = new Dictionary<string, double>();
        foreach (var (key, end) in after.Cpu)
        {
            if (before.Cpu.TryGetValue(key, out var start) && wall > 0)
                cores[key.Name] = cores.GetValueOrDefault(key.Name) + (end - start).TotalSeconds / wall;
        }
        return cores;
    }
}
