using Coupon.Testing;
using Coupon.Bench.Stack;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Bench;

// The benchmark run against the test fixture's AppHost and its shared api and worker; the
// comparison strategies run on a spare of the bench's comparison server.
internal sealed class FixtureBenchStack(StackFixture fixture) : IBenchStack, IAsyncDisposable
{
    private ProjectApplication? _api;
    private ProjectApplication? _worker;
    private ProjectApplication? _lockStrategies;
    private ProjectHandle? _lockStrategiesSpare;

    public DevelopmentTokenKeys Signing => fixture.Tokens;

    public string MySqlConnectionString => fixture.CouponDbConnectionString;

    public string KafkaBootstrapServers => fixture.KafkaBootstrapServers;

    // The api's own port, as the bench measures it by default.
    public Uri ApiAddress => _api?.OwnAddress ?? throw new InvalidOperationException("No api started yet.");

    public IReadOnlyDictionary<string, int> Processes => new Dictionary<string, int?>
        {
            ["api"] = _api?.ProcessId,
            ["worker"] = _worker?.ProcessId,
            [LockStrategyServer.ResourceName] = _lockStrategies?.ProcessId,
            ["redis"] = ServerPid("redis"),
            ["mysql"] = ServerPid("mysql"),
        }
        .Where(p => p.Value is not null)
        .ToDictionary(p => p.Key, p => p.Value!.Value);

    public string Telemetry => "the test stack's: OTLP to its dashboard, Development (every trace sampled)";

    public async Task ReadyAsync(CancellationToken cancellationToken)
    {
        var shared = await fixture.SharedProjectsAsync();
        _worker = await ProjectApplication.WaitUntilServingAsync(shared.Worker.ProcessId, cancellationToken);
        _api = await ProjectApplication.WaitUntilServingAsync(shared.Api.ProcessId, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> WorkerOutputAsync(CancellationToken cancellationToken)
    {
        var instance = fixture.Notifications.TryGetCurrentState("worker", out var worker) ? worker.ResourceId : "worker";
        var output = new List<string>();
        await foreach (var batch in fixture.Loggers.GetAllAsync(instance).WithCancellation(cancellationToken))
            output.AddRange(batch.Select(line => line.Content));
        return output;
    }

    public async Task<Uri> UseLockStrategyAsync(string strategy, CancellationToken cancellationToken)
    {
        if (_lockStrategiesSpare is not null)
            await _lockStrategiesSpare.StopAsync();
        _lockStrategiesSpare = await fixture.StartProjectAsync(CouponProject.LockStrategies,
            new Dictionary<string, string?> { [LockStrategyServer.StrategyVariable] = strategy });
        _lockStrategies = await ProjectApplication.WaitUntilServingAsync(_lockStrategiesSpare.ProcessId, cancellationToken);
        return _lockStrategies.OwnAddress;
    }

    public async ValueTask DisposeAsync()
    {
        if (_lockStrategiesSpare is not null)
            await _lockStrategiesSpare.StopAsync();
    }

    private int? ServerPid(string resource) =>
        fixture.Notifications.TryGetCurrentState(resource, out var current) ? ResourcePid.Of(current.Snapshot) : null;
}
