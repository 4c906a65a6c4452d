using Coupon.AppHost.Servers;
using Coupon.Bench.Stack;
using Coupon.Core.Auth;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Bench;

// The benchmark run against the test fixture's servers and shared worker, with an api of its own
// for each issue strategy (the shared api is left alone).
internal sealed class FixtureBenchStack(StackFixture fixture) : IBenchStack, IAsyncDisposable
{
    private ProjectProcess? _api;
    private ProjectProcess? _worker;
    private string? _strategy;

    public TokenSigning Signing => fixture.Tokens;

    public string MySqlConnectionString => fixture.CouponDbConnectionString;

    public string KafkaBootstrapServers => fixture.KafkaBootstrapServers;

    public Uri ApiAddress => _api?.BaseAddress ?? throw new InvalidOperationException("No api started yet.");

    public IReadOnlyDictionary<string, int> Processes => new Dictionary<string, int?>
        {
            ["api"] = _api?.Process.Id,
            ["worker"] = _worker?.Process.Id,
            ["redis"] = fixture.Redis.Process?.Id,
            ["mysql"] = fixture.MySql.Process?.Id,
        }
        .Where(p => p.Value is not null)
        .ToDictionary(p => p.Key, p => p.Value!.Value);

    public async Task UseStrategyAsync(string? strategy, CancellationToken cancellationToken)
    {
        _worker ??= (await fixture.SharedProjectsAsync()).Worker;
        if (_api is { HasExited: false } && strategy == _strategy)
            return;
        if (_api is not null)
            await _api.StopAsync();
        _api = await fixture.StartProjectAsync(CouponProject.Api,
            new Dictionary<string, string?> { ["Coupon__Benchmark__IssueStrategy"] = strategy });
        _strategy = strategy;
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
            await _api.StopAsync();
    }
}
