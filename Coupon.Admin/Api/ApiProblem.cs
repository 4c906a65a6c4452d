using System.Net;
using System.Text.Json;

namespace Coupon.Admin.Api;

// A problem details answer of the api, reduced to what the console shows: the stable code, a
// title, and the validation errors keyed by the camelCase field names CampaignRules uses.
public sealed record ApiProblem(
    HttpStatusCode Status,
    string? Code,
    string Title,
    string? Detail,
    IReadOnlyDictionary<string, string[]> Errors)
{
    public static ApiProblem Parse(HttpStatusCode status, string body)
    {
        var fallback = new ApiProblem(status, null, $"The api answered {(int)status} {status}.", null, new Dictionary<string, string[]>());
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return fallback;

            var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            if (root.TryGetProperty("errors", out var errorsElement) && errorsElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errorsElement.EnumerateObject())
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? [.. field.Value.EnumerateArray().Select(m => m.GetString() ?? "")]
                        : [field.Value.ToString()];
            }

            return new ApiProblem(
                status,
                StringOrNull(root, "code"),
                StringOrNull(root, "title") ?? fallback.Title,
                StringOrNull(root, "detail"),
                errors);
        }
        catch (JsonException)
        {
            return fallback;
        }
    }

    private static string? StringOrNull(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

// The api answered, and refused: a 4xx problem the operator can act on.
public sealed class ApiProblemException(ApiProblem problem)
    : Exception(problem.Detail ?? problem.Title)
{
    public ApiProblem Problem { get; } = problem;
}

// The api could not be reached or failed (5xx): pages show the banner and keep retrying.
public sealed class ApiUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
