using System.Net;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// The base of the tests that talk to the run's shared api + worker: a client with the run's
// tokens, a Redis probe for Redis's clock and state, and the MySQL invariants.
public abstract class SharedApiTests(StackFixture stack) : IAsyncLifetime
{
    protected StackFixture Stack { get; } = stack;
    protected IssuingClient Api { get; private set; } = null!;
    protected RedisProbe Redis { get; } = new(stack.RedisConnectionString);
    protected CampaignInvariants Invariants { get; } = new(stack.CouponDbConnectionString);

    // Once a dependency is back, the api finds it within moments (Redis within half a second);
    // a request in those moments is a 503 that leaves nothing, so the same user may ask again.
    protected Task<HttpStatusCode> IssueOnceBackAsync(long campaignId, long userId) =>
        Poll.UntilAsync(async () =>
        {
            using var response = await Api.IssueAsync(campaignId, userId);
            return response.StatusCode;
        }, status => status != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));

    public async Task InitializeAsync() => Api = new IssuingClient((await Stack.SharedProjectsAsync()).Api.BaseAddress, Stack.Tokens);

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Redis.DisposeAsync();
    }
}
