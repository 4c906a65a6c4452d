using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coupon.Core.Contracts;

namespace Coupon.AppHost.Demo;

// A campaign created through the api's operator endpoint as an operator would, so MySQL and Redis
// hold it exactly as in production: for the demo flash sale, the tests and the bench. A 503 (a
// freshly started api's first writes can outlast its request deadline on a busy machine) is sent
// again after its Retry-After with the same Idempotency-Key, which makes one campaign of however
// many tries (the first may have committed).
public static class CampaignCreation
{
    private const int Attempts = 5;
    private const string IdempotencyKeyHeader = "Idempotency-Key";

    public static async Task<CampaignView> CreateAsync(HttpClient api, string operatorToken, CampaignRequest campaign,
        CancellationToken cancellationToken = default)
    {
        var idempotencyKey = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/coupons") { Content = JsonContent.Create(campaign) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
            using var response = await api.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < Attempts)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"Creating campaign '{campaign.Title}' answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            return await response.Content.ReadFromJsonAsync<CampaignView>(cancellationToken)
                ?? throw new InvalidOperationException("The created campaign came back empty.");
        }
    }
}
