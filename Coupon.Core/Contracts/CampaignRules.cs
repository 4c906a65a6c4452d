namespace Coupon.Core.Contracts;

// The field rules of a campaign, shared by the api (400 with field errors) and the admin form
// (the same messages next to the fields before the request is sent).
public static class CampaignRules
{
    public const int TitleMaxLength = 100;

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

        if (request.DiscountAmount is null)
            Add("discountAmount", "Discount amount is required.");
        else if (request.DiscountAmount < 0)
            Add("discountAmount", "Discount amount must be 0 or more.");

        if (request.MinOrderAmount is null)
            Add("minOrderAmount", "Minimum order amount is required.");
        else if (request.MinOrderAmount < 0)
            Add("minOrderAmount", "Minimum order amount must be 0 or more.");

        if (request.IssueStart is null)
            Add("issueStart", "Issue start is required.");
        if (request.IssueEnd is null)
            Add("issueEnd", "Issue end is required.");
        else if (request.IssueStart is not null && request.IssueStart >= request.IssueEnd)
            Add("issueEnd", "Issue end must be after issue start.");

        return errors;
    }
}
