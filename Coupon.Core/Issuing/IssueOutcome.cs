namespace Coupon.Core.Issuing;

// What the issue script decided; the numbers are the script's return codes.
public enum IssueOutcome
{
    Unavailable = 0,
    Accepted = 1,
    NotOpenYet = 2,
    Closed = 3,
    AlreadyIssued = 4,
    SoldOut = 5,
    // The script ran past the request's deadline, or after the request was voided: it recorded nothing.
    Expired = 6,
    // In a draw window: the user entered the draw, or had already.
    Entered = 7,
    AlreadyEntered = 8,
    // The draw window has ended and the draw is not made yet.
    Drawing = 9,
}

// One issue request as Redis knows it: a random id that the winner is stored with, and the
// instant (unix ms, Redis's clock) after which its script records nothing.
public readonly record struct IssueRequest(long CampaignId, long UserId, long RequestId, long DeadlineMs)
{
    public static IssueRequest Create(long campaignId, long userId, long deadlineMs) =>
        new(campaignId, userId, Random.Shared.NextInt64(1, long.MaxValue), deadlineMs);
}

// AcceptedAtMs is Redis TIME when the script ran (unix ms); Accepted the winners count after it
// (the entrants count, in a draw window).
public readonly record struct IssueResult(IssueOutcome Outcome, long AcceptedAtMs, long Accepted)
{
    public DateTimeOffset AcceptedAt => DateTimeOffset.FromUnixTimeMilliseconds(AcceptedAtMs);
}

public enum MetaUpdate
{
    Updated,
    // The campaign's Redis state is gone; only the rebuild from MySQL may recreate it.
    Lost,
    BelowAccepted,
    // Redis holds a newer version than the one written (or the same, for a pending edit).
    Stale,
    // The narrowed meta of another edit is live (or none is, where one was expected).
    OtherEditPending,
}

public enum WithdrawResult
{
    Removed = 1,
    // Nothing of this request's: its script never ran (and now never will), or another request recorded the winner.
    Absent = 0,
    // The reconciler has already re-published it: it will be a row, so the request is a 202.
    KeptForReconciler = 2,
}
