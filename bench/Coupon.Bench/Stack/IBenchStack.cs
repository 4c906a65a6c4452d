using Coupon.Testing;

namespace Coupon.Bench.Stack;

// The servers and projects a benchmark runs against, started from the AppHost: by the bench itself
// (AppHostBenchStack) or by the test fixture (the smoke test).
public interface IBenchStack
{
    DevelopmentTokenKeys Signing { get; }

    string MySqlConnectionString { get; }

    string KafkaBootstrapServers { get; }

    // The api: campaigns are created through it, and it serves the issue path's steps.
    Uri ApiAddress { get; }

    // The running processes worth measuring, by resource name (api, worker, redis, mysql, and
    // lock-strategies while it runs): the applications themselves, not their `dotnet run` wrappers.
    IReadOnlyDictionary<string, int> Processes { get; }

    // Where api and worker send their telemetry, for the report.
    string Telemetry { get; }

    // The worker's console output so far: the draw step reads the draw's own time from its log line.
    Task<IReadOnlyList<string>> WorkerOutputAsync(CancellationToken cancellationToken);

    // Once the api and the worker serve.
    Task ReadyAsync(CancellationToken cancellationToken);

    // Starts the comparison server (LockStrategyServer) with one of the origin's strategies, in
    // place of the one it ran before; the address to load it on.
    Task<Uri> UseLockStrategyAsync(string strategy, CancellationToken cancellationToken);
}
