using Microsoft.Net.Http.Headers;

namespace Coupon.Api.Campaigns;

// A campaign's version as an HTTP entity tag: every operator view of one campaign carries it as
// ETag, and an edit sent with If-Match applies only to the version its client loaded.
public static class CampaignETag
{
    public static void Set(HttpResponse response, int version) => response.Headers.ETag = Of(version).ToString();

    // True without If-Match (the edit applies to whatever is current, as documented); otherwise
    // when one of its tags is this version, or `*`. A malformed If-Match matches nothing.
    public static bool Matches(HttpRequest request, int version)
    {
        var ifMatch = request.Headers.IfMatch;
        if (Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(ifMatch))
            return true;
        var current = Of(version);
        return EntityTagHeaderValue.TryParseList(ifMatch, out var tags)
            && tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: true));
    }

    private static EntityTagHeaderValue Of(int version) =>
        new($"\"{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"");
}
