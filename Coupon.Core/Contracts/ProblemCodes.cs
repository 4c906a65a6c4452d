namespace Coupon.Core.Contracts;

// The stable `code` extension of every problem response; clients switch on these, never on titles.
public static class ProblemCodes
{
    public const string CouponNotFound = "coupon-not-found";
    public const string AlreadyIssued = "already-issued";
    public const string AlreadyEntered = "already-entered";
    // 503 between a draw window's end and the draw: retry in a few seconds.
    public const string Drawing = "drawing";
    public const string SoldOut = "sold-out";
    public const string NotOpenYet = "not-open-yet";
    public const string Closed = "closed";
    public const string RateLimited = "rate-limited";
    public const string Unavailable = "unavailable";
    // 504: the api could not learn in time whether the issue was recorded.
    public const string OutcomeUnknown = "outcome-unknown";
    public const string ValidationFailed = "validation-failed";
    public const string QuantityBelowAccepted = "quantity-below-accepted";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string BodyTooLarge = "body-too-large";
    public const string UnsupportedMediaType = "unsupported-media-type";
    public const string BadRequest = "bad-request";
    public const string NotFound = "not-found";
    public const string MethodNotAllowed = "method-not-allowed";
    public const string EditConflict = "edit-conflict";
    // 409: the opening mode or draw window of a campaign whose issue window has opened.
    public const string OpeningLocked = "opening-locked";
    public const string InternalError = "internal-error";
}
