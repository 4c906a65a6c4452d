using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Coupon.Core.Contracts;

// The HTTP contract between the api and its clients (the admin console, the tests, the load tool).
// JSON is camelCase; enums are kebab-case strings ("sold-out").

[JsonConverter(typeof(JsonStringEnumConverter<CampaignState>))]
public enum CampaignState
{
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("sold-out")] SoldOut,
    [JsonStringEnumMemberName("closed")] Closed,
}

// How a campaign's coupons are given out when its issue window opens: first come, first served,
// or a draw among everyone who asks in the first DrawWindowSeconds (then first come for the rest).
[JsonConverter(typeof(JsonStringEnumConverter<OpeningMode>))]
public enum OpeningMode
{
    [JsonStringEnumMemberName("first-come")] FirstCome,
    [JsonStringEnumMemberName("draw")] Draw,
}

// Body of POST /api/admin/coupons and PUT /api/admin/coupons/{id}. Nullable so that a missing
// field is a validation error, not a silent default; a null TotalQuantity means unlimited. The
// times need an offset (400 without one) and CampaignRules bounds every field.
public sealed record CampaignRequest(
    string? Title,
    int? TotalQuantity,
    decimal? DiscountAmount,
    decimal? MinOrderAmount,
    [property: JsonConverter(typeof(ExplicitOffsetJsonConverter))] DateTimeOffset? IssueStart,
    [property: JsonConverter(typeof(ExplicitOffsetJsonConverter))] DateTimeOffset? IssueEnd,
    [property: Description("first-come (the default) or draw: a draw among everyone who asks in the first drawWindowSeconds, then first come.")]
    OpeningMode? OpeningMode = null,
    [property: Description("A draw's window, 1 to 600 seconds from issueStart; only for a draw.")]
    int? DrawWindowSeconds = null);

// The draw of a campaign opened as one. SeedHash (SHA-256 of the seed) is published from the
// campaign's creation; Seed, DrawnAt and Winners once the draw is made (DrawAlgorithm says how
// the winners follow from the seed and the entrants). Entrants is live during the window.
public sealed record CampaignDraw(
    int WindowSeconds,
    [property: Description("When entering ends; the draw is made a few seconds later.")] DateTimeOffset DrawAt,
    [property: Description("SHA-256 of the seed's 32 bytes, in hex, published when the campaign was created.")] string SeedHash,
    [property: Description("The seed (64 hex digits), once the draw is made: the winners follow from it and the entrants sorted by user id.")] string? Seed,
    DateTimeOffset? DrawnAt,
    [property: Description("The entrants so far during the window; the number the draw found once made.")] long Entrants,
    [property: Description("min(quantity, entrants), once the draw is made.")] int? Winners);

// One campaign as operators see it (GET /api/admin/coupons, the 201 of a create, the 200 of an edit).
// Version counts the operators' edits; the same number is the answer's ETag, for If-Match.
public sealed record CampaignView(
    long Id,
    string Title,
    int? TotalQuantity,
    decimal DiscountAmount,
    decimal MinOrderAmount,
    DateTimeOffset IssueStart,
    DateTimeOffset IssueEnd,
    CampaignState State,
    long Accepted,
    long Persisted,
    long? Remaining,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version,
    OpeningMode OpeningMode = OpeningMode.FirstCome,
    CampaignDraw? Draw = null);

// GET /api/admin/coupons?limit=&before=: one page, newest first. Next is the `before` of the
// following page, null on the last one.
public sealed record CampaignPage(IReadOnlyList<CampaignView> Items, long? Next)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
}

// GET /api/admin/coupons/{id}/stats. Rejections are counted by problem code (sold-out, closed,
// already-issued, not-open-yet, rate-limited, unavailable); Recent is issues per second for the
// last few minutes, oldest first, one point a second.
public sealed record CampaignStats(
    long CampaignId,
    CampaignState State,
    int? TotalQuantity,
    long Accepted,
    long Persisted,
    long? Remaining,
    IReadOnlyDictionary<string, long> Rejections,
    double IssuesPerSecond,
    IReadOnlyList<IssueRatePoint> Recent,
    DateTimeOffset IssueStart,
    DateTimeOffset IssueEnd,
    OpeningMode OpeningMode = OpeningMode.FirstCome,
    CampaignDraw? Draw = null);

public sealed record IssueRatePoint(DateTimeOffset At, long Issued);

// GET /api/coupons/{id}: what anyone may see.
public sealed record PublicCampaign(
    long Id,
    string Title,
    decimal DiscountAmount,
    decimal MinOrderAmount,
    int? TotalQuantity,
    long? Remaining,
    DateTimeOffset IssueStart,
    DateTimeOffset IssueEnd,
    CampaignState State,
    OpeningMode OpeningMode = OpeningMode.FirstCome,
    CampaignDraw? Draw = null);

// GET /api/coupons/{id}/issue: the caller's status, "none", "pending" or "issued"; in a draw,
// "entered" until it is made, then "issued" or "not-drawn". IssuedAt is when the coupon was
// accepted (for "entered": when the entry was).
public sealed record IssueStatus(long CampaignId, string Status, DateTimeOffset? IssuedAt)
{
    public const string None = "none";
    public const string Pending = "pending";
    public const string Issued = "issued";
    public const string Entered = "entered";
    public const string NotDrawn = "not-drawn";
}

// GET /api/users/me/coupons.
public sealed record UserCoupon(
    long CampaignId,
    string Title,
    decimal DiscountAmount,
    decimal MinOrderAmount,
    DateTimeOffset IssuedAt,
    DateTimeOffset? UsedAt);

// GET /api/admin/system: the health of the api's dependencies and what the workers last reported.
public sealed record SystemStatus(
    string Status,
    IReadOnlyDictionary<string, DependencyHealth> Dependencies,
    IReadOnlyList<WorkerStatus> Workers);

public sealed record DependencyHealth(string Status, string? Description, double DurationMs);

public sealed record WorkerStatus(
    string Instance,
    DateTimeOffset LastSeen,
    long ConsumerLag,
    long RowsPersisted,
    long ReconcilerRepairs,
    long DeadLettered)
{
    // A worker that has not reported for this long is gone (killed, its host lost): it is no
    // longer shown, and the running workers remove its entry.
    public static readonly TimeSpan ForgottenAfter = TimeSpan.FromMinutes(1);

    public bool IsForgotten(DateTimeOffset now) => now - LastSeen > ForgottenAfter;
}
