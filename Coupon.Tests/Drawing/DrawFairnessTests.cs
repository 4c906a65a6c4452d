using System.Net;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Xunit.Abstractions;

namespace Coupon.Tests.Drawing;

// Latency does not buy a coupon in a draw: clients that reach the api 0 to 400 ms after the
// opening (a tenth of them in its first millisecond) enter four draws and one first-come campaign
// at once, as users on fast and slow networks would. In the draws the fast half's wins are what
// chance gives (within 4 standard deviations of the hypergeometric expectation, a false alarm
// once in 15,000 runs); first come gives nearly every coupon to the fast half.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class DrawFairnessTests(StackFixture stack, ITestOutputHelper output) : SharedApiTests(stack)
{
    private const int Draws = 4;
    private const int ClientsPerCampaign = 200;
    private const int AtTheFirstMillisecond = 20;
    private const int Quantity = 50;
    private const int MaxDelayMs = 400;
    private const int FastBelowMs = MaxDelayMs / 2;
    private const double Bound = 4;

    [Fact]
    public async Task Latency_does_not_buy_a_coupon_in_a_draw_as_it_does_first_come()
    {
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var start = (await Redis.NowAsync()).AddSeconds(5);
        var draws = new List<long>();
        for (var i = 0; i < Draws; i++)
            draws.Add((await Api.CreateDrawAsync(Quantity, start, start.AddMinutes(10), windowSeconds: 3)).Id);
        var firstCome = (await Api.CreateCampaignAsync(Quantity, start, start.AddMinutes(10))).Id;
        var clients = draws.Append(firstCome).SelectMany((campaign, c) => Enumerable.Range(0, ClientsPerCampaign).Select(i =>
            new Client(campaign, 20_000_000L + c * 1_000L + i, i < AtTheFirstMillisecond ? 0 : random.Next(MaxDelayMs + 1)))).ToList();
        // Tokens made and connections opened beforehand: the delays are the only difference.
        foreach (var client in clients)
            _ = Api.UserToken(client.User);
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Api.CampaignAsync(firstCome)));

        await Redis.WaitUntilAsync(start);
        var answers = await Task.WhenAll(clients.Select(async client =>
        {
            await Task.Delay(client.DelayMs);
            using var response = await Api.IssueAsync(client.Campaign, client.User);
            return (Client: client, response.StatusCode);
        }));
        Assert.All(answers.Where(a => a.Client.Campaign != firstCome), a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));

        var drawn = new Tally();
        foreach (var campaign in draws)
        {
            var entrants = clients.Where(c => c.Campaign == campaign).ToList();
            Assert.NotNull((await DrawTiming.DrawnAsync(Api, campaign)).Draw?.Seed);
            drawn.Add(entrants, [.. await Invariants.RowsAsync(campaign)]);
        }
        var firstComeTally = new Tally();
        firstComeTally.Add([.. clients.Where(c => c.Campaign == firstCome)],
            [.. answers.Where(a => a.Client.Campaign == firstCome && a.StatusCode == HttpStatusCode.Accepted).Select(a => a.Client.User)]);
        await Invariants.AssertAsync(firstCome, Quantity,
            accepted: [.. answers.Where(a => a.Client.Campaign == firstCome && a.StatusCode == HttpStatusCode.Accepted).Select(a => a.Client.User)],
            refused: [.. answers.Where(a => a.Client.Campaign == firstCome && a.StatusCode != HttpStatusCode.Accepted).Select(a => a.Client.User)]);

        output.WriteLine($"seed {seed}; delays 0-{MaxDelayMs} ms, fast = under {FastBelowMs} ms, {AtTheFirstMillisecond} per campaign at 0 ms");
        output.WriteLine($"draws:      {drawn}");
        output.WriteLine($"first come: {firstComeTally}");
        Assert.Equal(Draws * Quantity, drawn.Winners);
        Assert.True(Math.Abs(drawn.Z) <= Bound, $"seed {seed}: the fast half's wins in the draws are {drawn.Z:0.0} standard deviations from chance: {drawn}");
        Assert.True(firstComeTally.FastShare >= 0.9, $"seed {seed}: first come gave the fast half only {firstComeTally.FastShare:P0}: {firstComeTally}");
    }

    private sealed record Client(long Campaign, long User, int DelayMs)
    {
        public bool Fast => DelayMs < FastBelowMs;
    }

    // The fast half's wins against what uniform chance gives: per campaign of N entrants, K fast
    // and n winners, the fast winners are hypergeometric, mean nK/N and variance
    // n(K/N)(1 - K/N)(N - n)/(N - 1); campaigns add up.
    private sealed class Tally
    {
        private double _expected;
        private double _variance;

        public int Winners { get; private set; }
        public int FastWinners { get; private set; }
        public int FirstMillisecondWinners { get; private set; }

        public double FastShare => Winners == 0 ? 0 : FastWinners / (double)Winners;
        public double Z => _variance == 0 ? 0 : (FastWinners - _expected) / Math.Sqrt(_variance);

        public void Add(IReadOnlyList<Client> entrants, IReadOnlyCollection<long> winners)
        {
            var won = winners.ToHashSet();
            double n = winners.Count, total = entrants.Count, fast = entrants.Count(c => c.Fast);
            _expected += n * fast / total;
            _variance += n * (fast / total) * (1 - fast / total) * (total - n) / (total - 1);
            Winners += winners.Count;
            FastWinners += entrants.Count(c => c.Fast && won.Contains(c.User));
            FirstMillisecondWinners += entrants.Count(c => c.DelayMs == 0 && won.Contains(c.User));
        }

        public override string ToString() =>
            $"the fast half won {FastWinners} of {Winners} ({FastShare:P1}; chance gives {_expected:0.0} ± {Math.Sqrt(_variance):0.0}, z = {Z:0.0}); "
            + $"the first millisecond's clients won {FirstMillisecondWinners}";
    }
}
