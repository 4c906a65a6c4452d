namespace Coupon.Tests.Faults;

public enum FaultKind
{
    // redis-server SIGSTOP, then SIGCONT: every reply late, none lost by Redis.
    RedisStall,

    // Redis stopped, its data deleted, started again: every campaign's state lost.
    RedisRestartedEmpty,

    // Every broker's round trip beyond the api's delivery timeout: appended, acknowledged too late.
    KafkaSlow,

    // Every broker down: connections closed, new ones refused.
    KafkaDown,

    // mariadbd SIGSTOP, then SIGCONT: connections open, nothing answered.
    MySqlStall,

    // An api replica SIGKILLed, then started again.
    ApiKilled,

    // The worker SIGKILLed, then started again.
    WorkerKilled,
}

// One fault: how long it lasts (for a kill, how long the process stays dead), which api replica a
// kill hits, how slow Kafka gets, and the settle pause after it is healed.
public sealed record PlannedFault(FaultKind Kind, TimeSpan Duration, int ApiReplica, TimeSpan KafkaRoundTrip, TimeSpan Settle)
{
    public override string ToString() => Kind switch
    {
        FaultKind.RedisRestartedEmpty => $"{Kind}",
        FaultKind.ApiKilled => $"{Kind} (replica {ApiReplica}, down {Duration.TotalSeconds:0.0} s)",
        FaultKind.KafkaSlow => $"{Kind} ({KafkaRoundTrip.TotalSeconds:0.0} s round trip for {Duration.TotalSeconds:0.0} s)",
        _ => $"{Kind} ({Duration.TotalSeconds:0.0} s)",
    };
}

// The seeded schedule: faults one at a time, drawn at random. Kinds come in shuffled rounds of
// every kind, so any seven faults in a row cover them all; the rest (durations, targets, pauses)
// is drawn freely. The same seed gives the same schedule.
public sealed class FaultSchedule(int seed, int apiReplicas)
{
    private readonly Random _random = new(seed);
    private readonly Queue<FaultKind> _round = new();

    public int Seed { get; } = seed;

    public PlannedFault Next()
    {
        if (_round.Count == 0)
        {
            var kinds = Enum.GetValues<FaultKind>();
            _random.Shuffle(kinds);
            foreach (var kind in kinds)
                _round.Enqueue(kind);
        }
        var next = _round.Dequeue();
        var duration = next switch
        {
            FaultKind.RedisStall => Seconds(1, 8),
            FaultKind.RedisRestartedEmpty => TimeSpan.Zero,
            FaultKind.KafkaSlow => Seconds(3, 8),
            FaultKind.KafkaDown => Seconds(2, 8),
            FaultKind.MySqlStall => Seconds(2, 10),
            _ => Seconds(0, 3),
        };
        // After Kafka was slow or down, winners kept for the reconciler (their delivery timed out)
        // live only in Redis until it re-publishes them: the next fault waits out its grace, so
        // Redis emptied right after is not two faults at once.
        var settle = next is FaultKind.KafkaSlow or FaultKind.KafkaDown ? Seconds(10, 12) : Seconds(3, 6);
        // Beyond the api's delivery timeout (1.5 s), below the client's 10 s.
        return new PlannedFault(next, duration, _random.Next(apiReplicas), Seconds(3, 6), settle);
    }

    private TimeSpan Seconds(double from, double to) => TimeSpan.FromSeconds(from + _random.NextDouble() * (to - from));
}
