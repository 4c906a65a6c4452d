using System.Globalization;

namespace Coupon.Bench;

// Command line of the benchmark; every step is bounded by these.
public sealed record BenchOptions
{
    public static readonly string[] AllSteps = ["baseline", "issue", "sold-out", "accept-to-row", "persist", "mysql-lock", "redis-lock", "draw"];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);
    public int Connections { get; init; } = 64;
    public int Users { get; init; } = 600_000;
    public IReadOnlyList<string> Steps { get; init; } = AllSteps;
    public int PersistEvents { get; init; } = 200_000;
    public double SteadyRate { get; init; } = 10_000;
    public int SoldOutQuantity { get; init; } = 1_000;
    // Users entering the draw whose duration is measured (each a user of the pool).
    public int DrawEntrants { get; init; } = 100_000;
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public string? OutputDirectory { get; init; }
    // Load through DCP's proxy in front of the api (the address the AppHost publishes) instead of
    // straight to the api's own port, as the committed figures were measured.
    public bool ApiThroughProxy { get; init; }
    // The AppHost's --AppHost:ApiReplicas and --AppHost:RedisShards. Several api replicas share
    // one address, DCP's proxy's, so the load goes through it.
    public int ApiReplicas { get; init; } = 1;
    public int RedisShards { get; init; } = 1;
    // Extra environment of the api (runtime knobs such as DOTNET_gcServer), so a setting can be
    // measured against the defaults in one session without a rebuild.
    public IReadOnlyDictionary<string, string> ApiEnvironment { get; init; } = new Dictionary<string, string>();
    // As deployed: api, worker and the comparison server export traces (sampled), metrics and
    // logs over OTLP, to the AppHost's dashboard. Off: no exporter, as the runs before 2026-12-03.
    public bool Telemetry { get; init; } = true;

    public bool LoadsThroughProxy => ApiThroughProxy || ApiReplicas > 1;

    public bool Runs(string step) => Steps.Contains(step);

    public const string Usage = """
        Coupon.Bench: measures the issue path against a bare Kestrel baseline, the origin project's
        strategies, the worker and draws, on the stack the AppHost starts (in Release), and writes
        bench/RESULTS.md and bench/results.png.

          dotnet run -c Release --project bench/Coupon.Bench -- [options]
          dotnet run -c Release --project bench/Coupon.Bench -- token-verification
                                (the CPU a token verification costs, per algorithm)
          dotnet run -c Release --project bench/Coupon.Bench -- scaling [options]
                                (the issue step with 1 and 2 api replicas and 1 and 3 Redis
                                shards, through DCP's proxy, into bench/SCALING.md)

          --duration <s>        measured seconds per load step (20)
          --warmup <s>          warm-up seconds before each load step (15)
          --connections <n>     keep-alive connections of the load generator (64)
          --users <n>           distinct users (pre-minted tokens) (600000)
          --steps <a,b,...>     baseline,issue,sold-out,accept-to-row,persist,mysql-lock,redis-lock,draw (all)
          --persist-events <n>  events put into Kafka for the worker's persist rate (200000)
          --draw-entrants <n>   users entering the draw whose duration is measured (100000)
          --steady-rate <r/s>   target rate of the accept-to-row step (10000)
          --api direct|proxy    load the api on its own port, or through DCP's proxy (direct)
          --api-replicas <n>    api replicas; more than one are loaded through DCP's proxy (1)
          --redis-shards <n>    1 for one redis-server, 3 for a 3-master Redis Cluster (1)
          --api-env <name=value>
                                an environment variable for the api, repeatable (none)
          --telemetry on|off    api and worker export over OTLP to the AppHost's dashboard, as
                                deployed (sampled traces, metrics, logs), or not at all (on)
          --output <folder>     where RESULTS.md and results.png go (the repository's bench/)
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.\n\n{Usage}");
            options = args[i] switch
            {
                "--duration" => options with { Duration = Seconds(value) },
                "--warmup" => options with { Warmup = Seconds(value) },
                "--connections" => options with { Connections = Positive(value) },
                "--users" => options with { Users = Positive(value) },
                "--steps" => options with { Steps = StepList(value) },
                "--persist-events" => options with { PersistEvents = Positive(value) },
                "--draw-entrants" => options with { DrawEntrants = Positive(value) },
                "--steady-rate" => options with { SteadyRate = Positive(value) },
                "--output" => options with { OutputDirectory = value },
                "--api-replicas" => options with { ApiReplicas = Positive(value) },
                "--redis-shards" => options with { RedisShards = Positive(value) },
                "--api-env" => options with { ApiEnvironment = WithVariable(options.ApiEnvironment, value) },
                "--telemetry" => options with { Telemetry = value switch
                {
                    "on" => true,
                    "off" => false,
                    _ => throw new ArgumentException($"--telemetry takes on or off, not '{value}'."),
                } },
                "--api" => options with { ApiThroughProxy = value switch
                {
                    "proxy" => true,
                    "direct" => false,
                    _ => throw new ArgumentException($"--api takes direct or proxy, not '{value}'."),
                } },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n\n{Usage}"),
            };
            i++;
        }
        return options;
    }

    private static TimeSpan Seconds(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"'{value}' is not a number of seconds.");

    private static int Positive(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"'{value}' is not a positive whole number.");

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> environment, string assignment) =>
        assignment.Split('=', 2) is [{ Length: > 0 } name, var value]
            ? new Dictionary<string, string>(environment) { [name] = value }
            : throw new ArgumentException($"--api-env takes name=value, not '{assignment}'.");

    private static string[] StepList(string value)
    {
        var steps = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = steps.Except(AllSteps).ToArray();
        return unknown.Length == 0
            ? steps
            : throw new ArgumentException($"Unknown steps: {string.Join(", ", unknown)}. Known: {string.Join(", ", AllSteps)}.");
    }
}
