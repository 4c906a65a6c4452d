using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coupon.AppHost.Demo;
using Coupon.Testing;
using Coupon.Core.Contracts;

namespace Coupon.Tests.Issuing;

// The api as its clients see it: operator and user calls with tokens minted from the run's token keys.
public sealed class IssuingClient(Uri baseAddress, DevelopmentTokenKeys tokens) : IDisposable
{
    private readonly ConcurrentDictionary<long, string> _userTokens = new();
    private readonly string _operatorToken = tokens.CreateOperatorToken("test-operator", TimeSpan.FromHours(1));

    public HttpClient Http { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public string UserToken(long userId) =>
        _userTokens.GetOrAdd(userId, id => tokens.CreateUserToken(id, TimeSpan.FromHours(1)));

    public string OperatorToken => _operatorToken;

    public Task<CampaignView> CreateCampaignAsync(int? totalQuantity, DateTimeOffset start, DateTimeOffset end, string title = "Test campaign") =>
        CampaignCreation.CreateAsync(Http, _operatorToken, new CampaignRequest(title, totalQuantity, 1000m, 0m, start, end));

    public Task<CampaignView> CreateDrawAsync(int totalQuantity, DateTimeOffset start, DateTimeOffset end, int windowSeconds, string title = "Test draw") =>
        CampaignCreation.CreateAsync(Http, _operatorToken,
            new CampaignRequest(title, totalQuantity, 1000m, 0m, start, end, OpeningMode.Draw, windowSeconds));

    public async Task<PublicCampaign> CampaignAsync(long campaignId) =>
        (await Http.GetFromJsonAsync<PublicCampaign>($"/api/coupons/{campaignId}"))!;

    // An open campaign by Redis's clock, open for a comfortable while.
    public async Task<CampaignView> CreateOpenCampaignAsync(int? totalQuantity, DateTimeOffset redisNow) =>
        await CreateCampaignAsync(totalQuantity, redisNow.AddMinutes(-1), redisNow.AddHours(1));

    public Task<HttpResponseMessage> IssueAsync(long campaignId, long userId) =>
        SendAsync(HttpMethod.Post, $"/api/coupons/{campaignId}/issue", UserToken(userId));

    // Each of `clients` issues to new users one after another until stopped; every answer is kept.
    public Task IssueToNewUsersUntilStoppedAsync(long campaignId, int clients, long firstUser,
        ConcurrentBag<(long User, HttpStatusCode Status)> answers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var user = firstUser + client * 100_000L; !stop.IsCancellationRequested; user++)
            {
                using var response = await IssueAsync(campaignId, user);
                answers.Add((user, response.StatusCode));
            }
        })));

    public async Task<IssueStatus> StatusAsync(long campaignId, long userId)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/coupons/{campaignId}/issue", UserToken(userId));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IssueStatus>())!;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Http.SendAsync(request);
    }

    public void Dispose() => Http.Dispose();
}
