namespace Coupon.Admin.SignIn;

// Failed sign-ins slow down the client that made them, never the account: a client has a few
// free failures per user name (and more across all names, so rotating names buys nothing), then
// waits twice as long after each further failure, up to MaxWait. A client is an address
// (ForwardedClientAddress.ClientOf), or a browser the operator signed in from before
// (DeviceClient): a stranger only slows himself and whoever shares his address, never the
// operator's right password from a browser he signed in from before, or from another address.
//
// Every attempt counts as a failure until the password proves otherwise, so a burst of parallel
// guesses cannot all slip through before the first one fails. The state is bounded: at most
// `capacity` entries, each forgotten ForgetAfter after its last attempt, the quietest dropped
// first when full.
public sealed class SignInThrottle(TimeProvider time, int capacity = SignInThrottle.DefaultCapacity)
{
    public const int DefaultCapacity = 10_000;
    public const int FreeFailuresPerUserName = 5;
    public const int FreeFailuresPerClient = 20;
    public static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    private readonly Dictionary<Key, LinkedListNode<Failures>> _entries = [];
    private readonly LinkedList<Failures> _byLastAttempt = new();
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
                return _entries.Count;
        }
    }

    // Zero: go ahead, the attempt is counted as a failure until Succeeded. Otherwise how long
    // this client must still wait for this user name, and nothing is counted.
    public TimeSpan Attempt(string client, string? userName)
    {
        var pair = Key.Of(client, userName);
        var anyName = Key.AnyName(client);
        lock (_gate)
        {
            var now = time.GetUtcNow();
            Forget(now);
            var wait = Max(WaitFor(pair, now), WaitFor(anyName, now));
            if (wait > TimeSpan.Zero)
                return wait;

            CountFailure(pair, FreeFailuresPerUserName, now);
            CountFailure(anyName, FreeFailuresPerClient, now);
            return TimeSpan.Zero;
        }
    }

    // The password was right: the client's failures are forgiven.
    public void Succeeded(string client, string? userName)
    {
        lock (_gate)
        {
            foreach (var key in (Key[])[Key.Of(client, userName), Key.AnyName(client)])
            {
                if (_entries.Remove(key, out var node))
                    _byLastAttempt.Remove(node);
            }
        }
    }

    // A browser holding a valid device cookie (OperatorDevices): its own budget, apart from the
    // failures strangers make from its address. Addresses never contain a space.
    public static string DeviceClient(string device) => $"device {device}";

    private TimeSpan WaitFor(Key key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var node) && node.Value.NotBefore > now ? node.Value.NotBefore - now : TimeSpan.Zero;

    private void CountFailure(Key key, int freeFailures, DateTimeOffset now)
    {
        if (_entries.Remove(key, out var node))
        {
            _byLastAttempt.Remove(node);
        }
        else
        {
            if (_entries.Count >= capacity && _byLastAttempt.First is { } quietest)
            {
                _entries.Remove(quietest.Value.Key);
                _byLastAttempt.RemoveFirst();
            }
            node = new(new Failures(key));
        }

        var failures = node.Value;
        failures.Count++;
        failures.LastAttempt = now;
        if (failures.Count > freeFailures)
        {
            // 1 s, 2 s, 4 s … MaxWait; the exponent is capped before it can overflow.
            var doublings = Math.Min(failures.Count - freeFailures - 1, 16);
            failures.NotBefore = now + Min(FirstWait * (1 << doublings), MaxWait);
        }
        _entries[key] = node;
        _byLastAttempt.AddLast(node);
    }

    // The list is in order of last attempt, so the forgettable entries are at its head.
    private void Forget(DateTimeOffset now)
    {
        while (_byLastAttempt.First is { } oldest && now - oldest.Value.LastAttempt >= ForgetAfter)
        {
            _entries.Remove(oldest.Value.Key);
            _byLastAttempt.RemoveFirst();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    // UserName null: the client's failures across all user names.
    private readonly record struct Key(string Client, string? UserName)
    {
        // Long enough to tell real names apart, short enough that a name cannot make an entry big.
        private const int UserNameLength = 64;

        public static Key Of(string client, string? userName) =>
            new(client, userName is null ? "" : userName[..Math.Min(userName.Length, UserNameLength)]);

        public static Key AnyName(string client) => new(client, null);
    }

    private sealed class Failures(Key key)
    {
        public Key Key { get; } = key;

        public int Count { get; set; }

        public DateTimeOffset LastAttempt { get; set; }

        public DateTimeOffset NotBefore { get; set; }
    }
}
