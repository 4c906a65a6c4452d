using System.Net;
using System.Text.Json;
using Coupon.Tests.Issuing;

namespace Coupon.Tests.Faults;

// Clients issuing to every campaign through every api until stopped, each request recorded in the
// history. Users come from a pool that moves on: at any moment about PoolSize users are asking,
// NewUsersPerSecond join it and as many leave, so each user asks each campaign several times
// while it is in the pool, and the campaigns keep finding users who have not won yet. Now and
// then a user who just joined sends the same request twice at once (a double tap, to two apis or
// one): often the user's first for that campaign, so both may win the race in Redis.
public sealed class CampaignClients(IReadOnlyList<(string Name, IssuingClient Client)> apis, IReadOnlyList<long> campaigns, History history, int seed)
{
    public const long FirstUser = 10_000_000;
    private const int PoolSize = 300;
    private const double NewUsersPerSecond = 10;
    private const double DoubleTaps = 0.2;
    private const int NewestUsers = 10;

    public Task RunAsync(int clients, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(() => RunClientAsync(new Random(seed + 1 + client), stop))));

    // One request and its answer (or none) into the history.
    public async Task<IssueAnswer> IssueAsync(int api, long campaignId, long userId)
    {
        var (name, client) = apis[api];
        var start = history.Now;
        IssueAnswer answer;
        try
        {
            using var response = await client.IssueAsync(campaignId, userId);
            answer = new IssueAnswer((int)response.StatusCode, await CodeAsync(response), response.Headers.RetryAfter is not null, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // A timeout, or a connection refused or reset (an api being killed).
            answer = IssueAnswer.NoAnswer(e);
        }
        history.Add(new IssueRequest(campaignId, userId, name, start, history.Now, answer));
        return answer;
    }

    private async Task RunClientAsync(Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var campaignId = campaigns[random.Next(campaigns.Count)];
            var doubleTap = random.NextDouble() < DoubleTaps;
            var userId = FirstUser + (long)(history.Now.TotalSeconds * NewUsersPerSecond) + PoolSize - 1 - random.Next(doubleTap ? NewestUsers : PoolSize);
            var answers = doubleTap
                ? await Task.WhenAll(IssueAsync(random.Next(apis.Count), campaignId, userId), IssueAsync(random.Next(apis.Count), campaignId, userId))
                : [await IssueAsync(random.Next(apis.Count), campaignId, userId)];
            // A paced client; one that got no answer (its api is down) waits a little longer.
            var pause = answers.Any(answer => answer.Status is null) ? random.Next(100, 300) : random.Next(20, 60);
            await Task.Delay(pause, CancellationToken.None);
        }
    }

    // The problem's stable code, when the answer is a problem.
    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.Accepted)
            return null;
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return problem.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or IOException or HttpRequestException)
        {
            // Not a problem body, or the connection broke after the status line.
            return null;
        }
    }
}
