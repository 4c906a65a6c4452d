using System.Diagnostics;
using Coupon.Testing;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Faults;

// Injects a planned fault into the shared stack and heals it before returning, whatever happens.
// It knows the process each server and project should be running as: the one it found, or the
// one it started after killing or restarting it. Anything else afterwards is a process that died.
public sealed class StackFaults
{
    private static readonly string[] Servers = ["redis", "mysql"];
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly StackFixture _stack;
    private readonly IReadOnlyList<ProjectHandle> _apis;
    private readonly ProjectHandle _worker;
    private readonly Dictionary<string, int> _expected = [];

    public StackFaults(StackFixture stack, IReadOnlyList<ProjectHandle> apis, ProjectHandle worker)
    {
        (_stack, _apis, _worker) = (stack, apis, worker);
        foreach (var server in Servers)
            _expected[server] = stack.ProcessIdOf(server);
        foreach (var project in apis.Append(worker))
            _expected[project.Resource] = project.ApplicationProcessId;
    }

    // "redis: 1234 redis-server …", for the test's output.
    public IEnumerable<string> Processes => _expected.Select(process => $"{process.Key}: {ProcessTree.Describe(process.Value)}");

    // Runs the fault and heals it; returns how long the stack was faulty.
    public async Task<TimeSpan> InjectAsync(PlannedFault fault)
    {
        var started = Stopwatch.GetTimestamp();
        switch (fault.Kind)
        {
            case FaultKind.RedisStall:
                await StallAsync("redis", fault.Duration);
                break;
            case FaultKind.MySqlStall:
                await StallAsync("mysql", fault.Duration);
                break;
            case FaultKind.RedisRestartedEmpty:
                try
                {
                    await _stack.RestartRedisEmptyAsync();
                }
                finally
                {
                    await StartWhenStoppedAsync("redis");
                    _expected["redis"] = _stack.ProcessIdOf("redis");
                }
                break;
            case FaultKind.KafkaSlow:
                _stack.Kafka.BrokerIds.ToList().ForEach(broker => _stack.Kafka.SetBrokerRtt(broker, fault.KafkaRoundTrip));
                try
                {
                    await Task.Delay(fault.Duration);
                }
                finally
                {
                    _stack.Kafka.BrokerIds.ToList().ForEach(broker => _stack.Kafka.SetBrokerRtt(broker, TimeSpan.Zero));
                }
                break;
            case FaultKind.KafkaDown:
                _stack.Kafka.SetAllBrokersDown();
                try
                {
                    await Task.Delay(fault.Duration);
                }
                finally
                {
                    _stack.Kafka.SetAllBrokersUp();
                }
                break;
            case FaultKind.ApiKilled:
                await KillAsync(_apis[fault.ApiReplica], fault.Duration);
                break;
            case FaultKind.WorkerKilled:
                await KillAsync(_worker, fault.Duration);
                break;
        }
        return Stopwatch.GetElapsedTime(started);
    }

    // Whatever a failed test left: every server resumed and running, Kafka prompt and up, every
    // project running. Safe to call at any time.
    public async Task HealAsync()
    {
        foreach (var server in Servers)
        {
            if (_stack.IsRunning(server))
                ProcessSignals.Continue(_stack.ProcessIdOf(server));
            else
                await _stack.StartResourceAsync(server);
        }
        _stack.Kafka.ClearFaults();
        foreach (var project in _apis.Append(_worker))
            await StartWhenStoppedAsync(project.Resource);
    }

    // Every process the schedule did not kill is the one it was, and alive; the description of
    // each that is not.
    public IEnumerable<string> Replaced() =>
        Servers.Select(server => Compare(server, () => _stack.ProcessIdOf(server)))
            .Concat(_apis.Append(_worker).Select(project => Compare(project.Resource, () => project.ApplicationProcessId)))
            .OfType<string>();

    private string? Compare(string resource, Func<int> current)
    {
        var expected = _expected[resource];
        if (!_stack.IsRunning(resource))
            return $"{resource}: process {expected} is not running";
        var now = current();
        return now != expected ? $"{resource}: process {expected} became {now}"
            : !ProcessTree.IsAlive(now) ? $"{resource}: process {now} is gone"
            : null;
    }

    private async Task StallAsync(string server, TimeSpan duration)
    {
        var pid = _stack.ProcessIdOf(server);
        ProcessSignals.Stop(pid);
        try
        {
            await Task.Delay(duration);
        }
        finally
        {
            ProcessSignals.Continue(pid);
        }
    }

    private async Task KillAsync(ProjectHandle project, TimeSpan down)
    {
        try
        {
            project.Kill();
            await project.WaitForExitAsync(ExitTimeout);
            await Task.Delay(down);
        }
        finally
        {
            await StartWhenStoppedAsync(project.Resource);
            _expected[project.Resource] = project.ApplicationProcessId;
        }
    }

    private async Task StartWhenStoppedAsync(string resource)
    {
        if (!_stack.IsRunning(resource))
            await _stack.StartResourceAsync(resource);
    }
}
