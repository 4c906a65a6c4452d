using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coupon.Testing;
using Coupon.Core.Contracts;

namespace Coupon.Bench.Steps;

// Creates each step's campaigns through the api's operator endpoint, as an operator would, so
// MySQL and Redis hold them exactly as in a real run.
public sealed class BenchCampaigns(Uri api, DevelopmentTokenKeys signing)
{
    // Too large to sell out in any step.
    public const int Huge = 100_000_000;

    public async Task<long> CreateAsync(string title, int? totalQuantity, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            signing.CreateOperatorToken("bench", TimeSpan.FromHours(1)));
        var now = DateTimeOffset.UtcNow;
        var request = new CampaignRequest(title, totalQuantity, 1000m, 0m, now.AddMinutes(-1), now.AddHours(2));
        using var response = await http.PostAsJsonAsync("/api/admin/coupons", request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Creating campaign '{title}' answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        var created = await response.Content.ReadFromJsonAsync<CampaignView>(cancellationToken)
            ?? throw new InvalidOperationException("The created campaign came back empty.");
        return created.Id;
    }
}
