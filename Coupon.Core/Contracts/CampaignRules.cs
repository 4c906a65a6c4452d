namespace Coupon.Core.Contracts;

// The field rules of a campaign, shared by the api (400 with field errors) and the admin form
// (the same messages next to the fields before the request is sent).
public static class CampaignRules
{
    public const int TitleMaxLength = 100;

    public const int MinDrawWindowSeconds = 1;
    public const int MaxDrawWindowSeconds = 600;

    // An Idempotency-Key header of a create: printable ASCII (a UUID fits), kept in a column.
    public const int IdempotencyKeyMaxLength = 64;

    // What the amount columns hold: DECIMAL(12, 2).
    public const decimal MaxAmount = 9_999_999_999.99m;
    public const int AmountDecimals = 2;

    // Issue windows lie in these years, so that every date computed from them (a clock tolerance
    // added, a time zone applied) stays a valid date.
    public static readonly DateTimeOffset EarliestIssueTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset LatestIssueTime = new(9999, 12, 30, 23, 59, 59, TimeSpan.Zero);

    public static Dictionary<string, string[]> Validate(CampaignRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        if (string.IsNullOrWhiteSpace(request.Title))
            Add("title", "Title is required.");
        else if (request.Title.Length > TitleMaxLength)
            Add("title", $"Title must be at most {TitleMaxLength} characters.");

        if (request.TotalQuantity is < 1)
            Add("totalQuantity", "Total quantity must be at least 1, or empty for unlimited.");

        if (AmountError("Discount amount", request.DiscountAmount) is { } discountError)
            Add("discountAmount", discountError);
        if (AmountError("Minimum order amount", request.MinOrderAmount) is { } minOrderError)
            Add("minOrderAmount", minOrderError);
        // A minimum order of 0 means no minimum; otherwise the discount cannot exceed it.
        if (request is { DiscountAmount: { } discount, MinOrderAmount: { } minOrder } && minOrder > 0 && discount > minOrder)
            Add("discountAmount", "Discount amount cannot exceed the minimum order amount (0 means no minimum).");

        if (IssueTimeError("Issue start", request.IssueStart) is { } startError)
            Add("issueStart", startError);
        if (IssueTimeError("Issue end", request.IssueEnd) is { } endError)
            Add("issueEnd", endError);
        else if (request.IssueStart is not null && request.IssueStart >= request.IssueEnd)
            Add("issueEnd", "Issue end must be after issue start.");

        if (request.OpeningMode == OpeningMode.Draw)
        {
            if (request.DrawWindowSeconds is not (>= MinDrawWindowSeconds and <= MaxDrawWindowSeconds))
                Add("drawWindowSeconds", $"A draw needs a draw window of {MinDrawWindowSeconds} to {MaxDrawWindowSeconds} seconds.");
            else if (request is { IssueStart: { } start, IssueEnd: { } end } && start < end
                && start.AddSeconds(request.DrawWindowSeconds.Value) > end)
                Add("drawWindowSeconds", "The draw window must end within the issue window.");
            if (request.TotalQuantity is null)
                Add("totalQuantity", "A draw needs a total quantity.");
        }
        else if (request.DrawWindowSeconds is not null)
        {
            Add("drawWindowSeconds", "Only a draw has a draw window.");
        }

        return errors;
    }

    // A draw whose window would be over when it is saved would be drawn at once among nobody.
    public static Dictionary<string, string[]> DrawWindowOver(CampaignRequest request, DateTimeOffset now) =>
        request is { OpeningMode: OpeningMode.Draw, IssueStart: { } start, DrawWindowSeconds: { } window } && start.AddSeconds(window) <= now
            ? new() { ["drawWindowSeconds"] = ["The draw window would already be over; start the campaign later or widen the window."] }
            : [];

    public static string? IdempotencyKeyError(string key) =>
        key.Length is 0 or > IdempotencyKeyMaxLength || key.Any(c => c is < '!' or > '~')
            ? $"Idempotency-Key must be 1 to {IdempotencyKeyMaxLength} printable ASCII characters without spaces."
            : null;

    private static string? AmountError(string name, decimal? amount) => amount switch
    {
        null => $"{name} is required.",
        < 0 => $"{name} must be 0 or more.",
        > MaxAmount => $"{name} must be at most {MaxAmount:N2}.",
        { } value when decimal.Round(value, AmountDecimals) != value => $"{name} can have at most {AmountDecimals} decimals.",
        _ => null,
    };

    private static string? IssueTimeError(string name, DateTimeOffset? time) => time switch
    {
        null => $"{name} is required.",
        { } value when value < EarliestIssueTime || value > LatestIssueTime =>
            $"{name} must be between {EarliestIssueTime:yyyy-MM-dd} and {LatestIssueTime:yyyy-MM-dd HH:mm:ss} UTC.",
        _ => null,
    };
}
