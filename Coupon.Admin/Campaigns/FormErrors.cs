using Coupon.Admin.Api;
using Coupon.Core.Contracts;

namespace Coupon.Admin.Campaigns;

// The messages the campaign form shows: one per field, next to it, whether they come from
// CampaignRules before sending or from the api's 400 after; the rest above the form.
public sealed class FormErrors
{
    public static readonly string[] Fields =
        ["title", "totalQuantity", "discountAmount", "minOrderAmount", "issueStart", "issueEnd", "openingMode", "drawWindowSeconds"];

    public const string EditConflictMessage =
        "Someone else changed this campaign after you opened it, so nothing was saved. Reload the page to see their changes, then edit again.";

    // The form puts the opening back as it was loaded when it shows this.
    public const string OpeningLockedMessage =
        "The issue window has opened, so the opening (and a draw's issue start) can no longer change: they are back as they were and nothing was saved. Save again to keep your other changes.";

    public static readonly FormErrors None = new(new Dictionary<string, string>(), null);

    private readonly IReadOnlyDictionary<string, string> _byField;

    private FormErrors(IReadOnlyDictionary<string, string> byField, string? general)
    {
        _byField = byField;
        General = general;
    }

    public string? General { get; }

    public bool Any => _byField.Count > 0 || General is not null;

    public bool Has(string field) => _byField.ContainsKey(field);

    public string? For(string field) => _byField.GetValueOrDefault(field);

    public static FormErrors FromRules(IReadOnlyDictionary<string, string[]> errors) => FromFieldErrors(errors, null);

    public static FormErrors FromMessage(string general) => new(new Dictionary<string, string>(), general);

    public static FormErrors FromProblem(ApiProblem problem)
    {
        // Shown at the opening whatever the api's wording or fields: the form has undone the change it refused.
        if (problem.Code == ProblemCodes.OpeningLocked)
            return new(new Dictionary<string, string> { ["openingMode"] = OpeningLockedMessage }, null);

        if (problem.Errors.Count > 0)
            return FromFieldErrors(problem.Errors, null);

        // The api checks one rule the form cannot: a quantity below what was already accepted.
        // It names the field; should it ever answer with only a detail, the field is still known.
        if (problem.Code == ProblemCodes.QuantityBelowAccepted)
            return new(new Dictionary<string, string> { ["totalQuantity"] = problem.Detail ?? problem.Title }, null);

        if (problem.Code == ProblemCodes.EditConflict)
            return FromMessage(EditConflictMessage);

        return FromMessage($"{problem.Title} {problem.Detail}".Trim());
    }

    private static FormErrors FromFieldErrors(IReadOnlyDictionary<string, string[]> errors, string? general)
    {
        var byField = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var unmatched = new List<string>();
        foreach (var (field, messages) in errors)
        {
            if (Fields.Contains(field, StringComparer.OrdinalIgnoreCase))
                byField[field] = string.Join(" ", messages);
            else
                unmatched.AddRange(messages);
        }
        if (general is not null)
            unmatched.Insert(0, general);
        return new(byField, unmatched.Count > 0 ? string.Join(" ", unmatched) : null);
    }
}
