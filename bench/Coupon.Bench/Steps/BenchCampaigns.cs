using Coupon.AppHost.Demo;
using Coupon.Testing;
using Coupon.Core.Contracts;

namespace Coupon.Bench.Steps;

// Each step's campaigns, open from a minute ago for two hours; a draw's from now, its window
// starting at once.
public sealed class BenchCampaigns(Uri api, DevelopmentTokenKeys signing)
{
    // Too large to sell out in any step.
    public const int Huge = 100_000_000;

    public async Task<long> CreateAsync(string title, int? totalQuantity, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        return (await CreateAsync(new CampaignRequest(title, totalQuantity, 1000m, 0m, now.AddMinutes(-1), now.AddHours(2)), cancellationToken)).Id;
    }

    public Task<CampaignView> CreateDrawAsync(string title, int totalQuantity, int windowSeconds, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        return CreateAsync(new CampaignRequest(title, totalQuantity, 1000m, 0m, now, now.AddHours(2), OpeningMode.Draw, windowSeconds), cancellationToken);
    }

    private async Task<CampaignView> CreateAsync(CampaignRequest campaign, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        return await CampaignCreation.CreateAsync(http, signing.CreateOperatorToken("bench", TimeSpan.FromHours(1)), campaign, cancellationToken);
    }
}
