using Coupon.Testing;

namespace Coupon.Bench.Stack;

// The servers and projects a benchmark runs against, started from the AppHost: by the bench itself
// (AppHostBenchStack) or by the test fixture (the smoke test).
public interface IBenchStack
{
    DevelopmentTokenKeys Signing { get; }

    string MySqlConnectionString { get; }

    string KafkaBootstrapServers { get; }

    Uri ApiAddress { get; }

    // The running processes worth measuring, by resource name (api, worker, redis, mysql): the
    // applications themselves, not their `dotnet run` wrappers.
    IReadOnlyDictionary<string, int> Processes { get; }

    // Restarts the api with a comparison strategy (Coupon:Benchmark:IssueStrategy), or with the
    // real issue path for null, unless it already runs that way.
    Task UseStrategyAsync(string? strategy, CancellationToken cancellationToken);
}
