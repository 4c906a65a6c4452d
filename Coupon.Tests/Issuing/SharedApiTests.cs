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

    public async Task InitializeAsync() => Api = new IssuingClient((await Stack.SharedProjectsAsync()).Api.BaseAddress, Stack.Tokens);

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Redis.DisposeAsync();
    }
}
