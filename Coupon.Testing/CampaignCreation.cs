using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coupon.Core.Contracts;

namespace Coupon.Testing;

// A run's campaigns, created through the api's operator endpoint as an operator would, so MySQL
// and Redis hold them exactly as in production. A 503 (a freshly started api's first writes can
// outlast its request deadline on a busy machine) is tried again after its Retry-After.
public static class CampaignCreation
{
    private const int Attempts = 5;

    public static async Task<CampaignView> CreateAsync(HttpClient api, string operatorToken, CampaignRequest campaign,
        CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/coupons") { Content = JsonContent.Create(campaign) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            using var response = await api.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < Attempts)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException(
                    $"Creating campaign '{campaign.Title}' answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            return await response.Content.ReadFromJsonAsync<CampaignView>(cancellationToken)
                ?? throw new InvalidOperationException("The created campaign came back empty.");
        }
    }
}
