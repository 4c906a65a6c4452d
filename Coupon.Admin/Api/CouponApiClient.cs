using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coupon.Core.Contracts;
using Polly;

namespace Coupon.Admin.Api;

// The console's only way to the data: the api's operator endpoints (http://api through service
// discovery). Every call carries a short-lived operator token (OperatorTokenHandler).
public sealed class CouponApiClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    // One page, newest first; `before` is the previous page's Next (null for the first page).
    public Task<CampaignPage> GetCampaignsAsync(long? before, int limit, CancellationToken cancellationToken = default) =>
        SendAsync<CampaignPage>(HttpMethod.Get,
            before is { } id ? $"api/admin/coupons?limit={limit}&before={id}" : $"api/admin/coupons?limit={limit}", null, cancellationToken);

    public Task<CampaignView> GetCampaignAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<CampaignView>(HttpMethod.Get, $"api/admin/coupons/{id}", null, cancellationToken);

    public Task<CampaignStats> GetStatsAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<CampaignStats>(HttpMethod.Get, $"api/admin/coupons/{id}/stats", null, cancellationToken);

    public Task<SystemStatus> GetSystemAsync(CancellationToken cancellationToken = default) =>
        SendAsync<SystemStatus>(HttpMethod.Get, "api/admin/system", null, cancellationToken);

    // The key names one create: saving again after a failure sends the same key, so a create
    // that did commit is answered again instead of being made twice.
    public Task<CampaignView> CreateCampaignAsync(CampaignRequest request, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<CampaignView>(HttpMethod.Post, "api/admin/coupons", request, cancellationToken,
            headers => headers.Add("Idempotency-Key", idempotencyKey));

    // Applies only to the version the operator loaded: another one answers edit-conflict.
    public Task<CampaignView> UpdateCampaignAsync(CampaignView loaded, CampaignRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<CampaignView>(HttpMethod.Put, $"api/admin/coupons/{loaded.Id}", request, cancellationToken,
            headers => headers.IfMatch.Add(new EntityTagHeaderValue($"\"{loaded.Version}\"")));

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken,
        Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : JsonContent.Create(body, options: Json),
        };
        headers?.Invoke(request.Headers);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ApiUnavailableException(e.Message, e);
        }
        catch (ExecutionRejectedException e)
        {
            // The resilience pipeline gave up (timeout, or the circuit is open after failures).
            throw new ApiUnavailableException("It did not answer in time.", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnavailableException("It did not answer in time.", e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                    ?? throw new ApiUnavailableException($"The api answered {path} with an empty body.");
            }

            var problem = ApiProblem.Parse(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            if ((int)response.StatusCode >= 500)
                throw new ApiUnavailableException($"The coupon api failed: {problem.Title}");
            throw new ApiProblemException(problem);
        }
    }
}
