using Coupon.AppHost.Servers;
using Coupon.Bench.Stack;
using Coupon.Core.Auth;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Bench;

// The benchmark run against the test fixture's servers and its shared api and worker; the
// comparison strategies get an api of their own, so the shared one is never restarted.
internal sealed class FixtureBenchStack(StackFixture fixture) : IBenchStack, IAsyncDisposable
{
    private SharedProjects? _shared;
    private ProjectProcess? _strategyApi;
    private string? _strategy;

    private ProjectProcess? Api => _strategy is null ? _shared?.Api : _strategyApi;

    public TokenSigning Signing => fixture.Tokens;

    public string MySqlConnectionString => fixture.CouponDbConnectionString;

    public string KafkaBootstrapServers => fixture.KafkaBootstrapServers;

    public Uri ApiAddress => Api?.BaseAddress ?? throw new InvalidOperationException("No api started yet.");

    public IReadOnlyDictionary<string, int> Processes => new Dictionary<string, int?>
        {
            ["api"] = Api?.Process.Id,
            ["worker"] = _shared?.Worker.Process.Id,
            ["redis"] = fixture.Redis.Process?.Id,
            ["mysql"] = fixture.MySql.Process?.Id,
        }
        .Where(p => p.Value is not null)
        .ToDictionary(p => p.Key, p => p.Value!.Value);

    public async Task UseStrategyAsync(string? strategy, CancellationToken cancellationToken)
    {
        _shared = await fixture.SharedProjectsAsync();
        if (strategy == _strategy)
            return;
        if (_strategyApi is not null)
            await _strategyApi.StopAsync();
        _strategyApi = strategy is null ? null : await fixture.StartProjectAsync(CouponProject.Api,
            new Dictionary<string, string?> { ["Coupon__Benchmark__IssueStrategy"] = strategy });
        _strategy = strategy;
    }

    public async ValueTask DisposeAsync()
    {
        if (_strategyApi is not null)
            await _strategyApi.StopAsync();
    }
}
