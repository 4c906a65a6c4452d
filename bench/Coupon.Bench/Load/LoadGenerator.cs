using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Coupon.Bench.Load;

// Drives a LoadPlan with N raw keep-alive connections, each on a thread of its own, and records
// latency, status codes and the users that were accepted. Every run is bounded by its duration and
// request budget, and a hung request is abandoned a few seconds after the end.
public static class LoadGenerator
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private const int ThreadStackSize = 256 * 1024;

    public static async Task<LoadResult> RunAsync(
        LoadPlan plan, Action<LoadProgress>? onProgress = null, CancellationToken cancellationToken = default)
    {
        plan.Validate();
        var shared = new SharedSchedule(plan);
        var connections = Enumerable.Range(0, plan.Connections).Select(_ => new ConnectionRun(plan, shared)).ToArray();

        // Connect first: the handshakes are not part of the measurement.
        foreach (var connection in connections)
            connection.Connect();

        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        abandon.CancelAfter(plan.Duration + Grace);

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        shared.Start();
        var threads = connections.Select((c, i) => new Thread(() => c.Run(abandon.Token), ThreadStackSize)
        {
            IsBackground = true,
            Name = $"load {i}",
        }).ToArray();
        foreach (var thread in threads)
            thread.Start();
        var all = Task.Run(() =>
        {
            foreach (var thread in threads)
                thread.Join();
        }, CancellationToken.None);

        while (!all.IsCompleted && onProgress is not null)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            var elapsed = shared.Elapsed;
            var requests = connections.Sum(c => c.CompletedCount);
            onProgress(new LoadProgress(plan.Name, elapsed, requests, connections.Sum(c => c.ErrorCount),
                elapsed.TotalSeconds > 0 ? requests / elapsed.TotalSeconds : 0));
        }
        await all;
        var wall = shared.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        var latency = new LatencyHistogram();
        var statuses = new Dictionary<int, long>();
        foreach (var connection in connections)
        {
            latency.Add(connection.Latency);
            foreach (var (status, count) in connection.Statuses)
                statuses[status] = statuses.GetValueOrDefault(status) + count;
        }
        return new LoadResult(
            plan.Name, wall, latency, statuses,
            connections.Sum(c => c.SocketErrors),
            connections.Sum(c => c.UnexpectedStatuses),
            [.. connections.SelectMany(c => c.Accepted)],
            [.. connections.SelectMany(c => c.UnknownOutcome)],
            cpu,
            shared.Taken);
    }

    // The request counter and clock all connections share.
    private sealed class SharedSchedule(LoadPlan plan)
    {
        private readonly long _budget = plan.Budget;
        private readonly double _ticksPerRequest = plan.TargetRate is { } rate ? Stopwatch.Frequency / rate : 0;
        private long _next = -1;
        private long _startedAt;
        private long _deadline;

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startedAt);

        public void Start()
        {
            _startedAt = Stopwatch.GetTimestamp();
            _deadline = _startedAt + (long)(plan.Duration.TotalSeconds * Stopwatch.Frequency);
        }

        // The next request's index, or -1 when the run is over.
        public long Take()
        {
            if (Stopwatch.GetTimestamp() >= _deadline)
                return -1;
            var index = Interlocked.Increment(ref _next);
            return index < _budget ? index : -1;
        }

        public long Taken => Math.Min(Volatile.Read(ref _next) + 1, _budget);

        public long ScheduledAt(long index) => _startedAt + (long)(index * _ticksPerRequest);

        public bool Paced => _ticksPerRequest > 0;
    }

    private sealed class ConnectionRun(LoadPlan plan, SharedSchedule schedule)
    {
        private readonly RawHttpConnection _connection = new(plan.Target);
        private readonly byte[] _prefix = Encoding.ASCII.GetBytes(
            $"POST {plan.Path} HTTP/1.1\r\nHost: {plan.Target}\r\nAuthorization: Bearer ");
        private readonly byte[] _suffix = "\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        private readonly Dictionary<int, long> _statuses = [];
        private byte[] _request = new byte[1024];
        private long _completed;
        private long _errors;

        public LatencyHistogram Latency { get; } = new();
        public IReadOnlyDictionary<int, long> Statuses => _statuses;
        public List<AcceptedRequest> Accepted { get; } = [];
        public List<long> UnknownOutcome { get; } = [];
        public long SocketErrors { get; private set; }
        public long UnexpectedStatuses { get; private set; }
        public long CompletedCount => Volatile.Read(ref _completed);
        public long ErrorCount => Volatile.Read(ref _errors);

        public void Connect() => _connection.Connect();

        public void Run(CancellationToken abandon)
        {
            using var registration = abandon.Register(_connection.Abort);
            try
            {
                long index;
                while (!abandon.IsCancellationRequested && (index = schedule.Take()) >= 0)
                {
                    if (schedule.Paced)
                        WaitForSlot(schedule.ScheduledAt(index), abandon);
                    SendOne(index, abandon);
                }
            }
            finally
            {
                _connection.Dispose();
            }
        }

        private void SendOne(long index, CancellationToken abandon)
        {
            var userIndex = (int)((plan.FirstUser + index) % plan.Users.Count);
            var userId = plan.Users.UserIdAt(userIndex);
            var length = BuildRequest(plan.Users.TokenAt(userIndex));
            var sentAt = Stopwatch.GetTimestamp();
            try
            {
                if (!_connection.IsConnected)
                    _connection.Connect();
                var status = _connection.Exchange(_request.AsSpan(0, length));
                var answeredAt = Stopwatch.GetTimestamp();
                Latency.RecordTicks(answeredAt - sentAt);
                _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
                if (status == 202)
                    Accepted.Add(new AcceptedRequest(userId, answeredAt));
                if (plan.ExpectedStatuses is { } expected && !expected.Contains(status))
                {
                    UnexpectedStatuses++;
                    Interlocked.Increment(ref _errors);
                }
                Interlocked.Increment(ref _completed);
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidDataException or ObjectDisposedException)
            {
                // The request may or may not have reached the server: its user may hold a coupon.
                UnknownOutcome.Add(userId);
                _connection.Dispose();
                if (abandon.IsCancellationRequested)
                    return; // the run's grace period is over
                SocketErrors++;
                Interlocked.Increment(ref _errors);
            }
        }

        private int BuildRequest(ReadOnlySpan<byte> token)
        {
            var length = _prefix.Length + token.Length + _suffix.Length;
            if (_request.Length < length)
                _request = new byte[length * 2];
            var span = _request.AsSpan();
            _prefix.CopyTo(span);
            token.CopyTo(span[_prefix.Length..]);
            _suffix.CopyTo(span[(_prefix.Length + token.Length)..]);
            return length;
        }

        private static void WaitForSlot(long scheduledAt, CancellationToken abandon)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), scheduledAt);
            if (wait > TimeSpan.FromMilliseconds(1))
                abandon.WaitHandle.WaitOne(wait);
        }
    }
}
