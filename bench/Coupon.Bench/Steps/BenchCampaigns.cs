using Coupon.AppHost.Demo;
using Coupon.Testing;
using Coupon.Core.Contracts;

namespace Coupon.Bench.Steps;

// Each step's campaigns, open from a minute ago for two hours.
public sealed class BenchCampaigns(Uri api, DevelopmentTokenKeys signing)
{
    // Too large to sell out in any step.
    public const int Huge = 100_000_000;

    public async Task<long> CreateAsync(string title, int? totalQuantity, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        var now = DateTimeOffset.UtcNow;
        var campaign = new CampaignRequest(title, totalQuantity, 1000m, 0m, now.AddMinutes(-1), now.AddHours(2));
        return (await CampaignCreation.CreateAsync(http, signing.CreateOperatorToken("bench", TimeSpan.FromHours(1)), campaign, cancellationToken)).Id;
    }
}
