using Coupon.Testing;
using Coupon.Bench.Stack;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Bench;

// The benchmark run against the test fixture's AppHost and its shared api and worker; the
// comparison strategies get a spare api of their own, so the shared one is never restarted.
internal sealed class FixtureBenchStack(StackFixture fixture) : IBenchStack, IAsyncDisposable
{
    private ProjectApplication? _api;
    private ProjectApplication? _worker;
    private ProjectHandle? _strategyApi;
    private string? _strategy;

    public DevelopmentTokenKeys Signing => fixture.Tokens;

    public string MySqlConnectionString => fixture.CouponDbConnectionString;

    public string KafkaBootstrapServers => fixture.KafkaBootstrapServers;

    // The api's own port, as the bench measures it by default.
    public Uri ApiAddress => _api?.OwnAddress ?? throw new InvalidOperationException("No api started yet.");

    public IReadOnlyDictionary<string, int> Processes => new Dictionary<string, int?>
        {
            ["api"] = _api?.ProcessId,
            ["worker"] = _worker?.ProcessId,
            ["redis"] = ServerPid("redis"),
            ["mysql"] = ServerPid("mysql"),
        }
        .Where(p => p.Value is not null)
        .ToDictionary(p => p.Key, p => p.Value!.Value);

    public async Task UseStrategyAsync(string? strategy, CancellationToken cancellationToken)
    {
        var shared = await fixture.SharedProjectsAsync();
        _worker = await ProjectApplication.WaitUntilServingAsync(shared.Worker.ProcessId, cancellationToken);
        if (_api is not null && strategy == _strategy)
            return;
        if (_strategyApi is not null)
            await _strategyApi.StopAsync();
        _strategyApi = strategy is null ? null : await fixture.StartProjectAsync(CouponProject.Api,
            new Dictionary<string, string?> { ["Coupon__Benchmark__IssueStrategy"] = strategy });
        _api = await ProjectApplication.WaitUntilServingAsync((_strategyApi ?? shared.Api).ProcessId, cancellationToken);
        _strategy = strategy;
    }

    public async ValueTask DisposeAsync()
    {
        if (_strategyApi is not null)
            await _strategyApi.StopAsync();
    }

    private int? ServerPid(string resource) =>
        fixture.Notifications.TryGetCurrentState(resource, out var current) ? ResourcePid.Of(current.Snapshot) : null;
}
