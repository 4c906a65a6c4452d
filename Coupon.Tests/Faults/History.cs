using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Coupon.Core.Contracts;

namespace Coupon.Tests.Faults;

// What the client learned from one issue request, in the terms the checker judges.
public enum Verdict
{
    // 202: this request issued the coupon (or, in a draw window, entered the draw).
    Accepted,

    // A definite answer that this request issued nothing (409, 503 + Retry-After, 429, 404, 400).
    Refused,

    // May have gone either way: no answer (timeout, connection refused or reset), or 504 outcome-unknown.
    Indeterminate,

    // An answer the contract does not allow (a 500, an unknown code, a 503 without Retry-After…).
    Invalid,
}

// The answer as received: an HTTP status with its problem code, or the error that stood for it.
public sealed record IssueAnswer(int? Status, string? Code, bool RetryAfter, string? Error)
{
    // The api's answer to the lead's "cannot learn the outcome in time".
    public const string OutcomeUnknown = "outcome-unknown";

    private static readonly HashSet<string> ConflictCodes =
        [ProblemCodes.AlreadyIssued, ProblemCodes.AlreadyEntered, ProblemCodes.SoldOut, ProblemCodes.NotOpenYet, ProblemCodes.Closed];

    public static IssueAnswer NoAnswer(Exception error) => new(null, null, false, error.GetType().Name);

    // The HTTP client sends a request again, unseen, when its pooled connection closes before any
    // answer (SocketsHttpHandler's retry on a reused connection): one in flight when its api was
    // killed may have run there and then been answered by the restarted api. That answer says
    // nothing of the first try, so the request counts as unanswered.
    public IssueAnswer AcrossKill() => new(null, null, false, $"in flight when its api was killed, then answered {this}");

    public Verdict Verdict => Status switch
    {
        null => Verdict.Indeterminate,
        (int)HttpStatusCode.Accepted => Verdict.Accepted,
        (int)HttpStatusCode.Conflict when Code is not null && ConflictCodes.Contains(Code) => Verdict.Refused,
        (int)HttpStatusCode.ServiceUnavailable when Code is ProblemCodes.Unavailable or ProblemCodes.Drawing && RetryAfter => Verdict.Refused,
        (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.NotFound or (int)HttpStatusCode.BadRequest => Verdict.Refused,
        (int)HttpStatusCode.GatewayTimeout when Code == OutcomeUnknown => Verdict.Indeterminate,
        _ => Verdict.Invalid,
    };

    // "202", "409 sold-out", "503 unavailable", "no answer (TaskCanceledException)".
    public override string ToString() => Status is { } status
        ? $"{status}{(Code is null ? "" : " " + Code)}{(status == 503 && !RetryAfter ? " without Retry-After" : "")}"
        : $"no answer ({Error})";
}

// One request as the client recorded it; Start and End are from the history's clock.
public sealed record IssueRequest(long CampaignId, long UserId, string Api, TimeSpan Start, TimeSpan End, IssueAnswer Answer)
{
    public override string ToString() =>
        $"{Api} {Start.TotalSeconds:0.000}-{End.TotalSeconds:0.000} s: {Answer}";
}

// The clients' record of every request, Jepsen's history: appended concurrently, read once they stop.
public sealed class History
{
    private readonly ConcurrentQueue<IssueRequest> _requests = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TimeSpan Now => _clock.Elapsed;

    public int Count => _requests.Count;

    public void Add(IssueRequest request) => _requests.Enqueue(request);

    public IReadOnlyList<IssueRequest> Requests => [.. _requests];
}
